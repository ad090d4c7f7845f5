//! What the bench ran on, from `/proc` (Linux); empty figures elsewhere.

/// The machine's description.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Machine {
    /// CPU model.
    pub cpu: String,
    /// Logical CPUs available to the bench.
    pub cpus: usize,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// Kernel release.
    pub kernel: String,
}

impl Machine {
    /// Reads the current machine.
    pub fn current() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned()))
            .unwrap_or_default();
        let meminfo = read("/proc/meminfo");
        let memory_kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_default();
        Self {
            cpu,
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            memory_mib: memory_kib / 1024,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        }
    }

    /// One line.
    pub fn describe(&self) -> String {
        format!("{} × {}, {} MiB, Linux {}", self.cpus, self.cpu, self.memory_mib, self.kernel)
    }
}

/// Whether the run's database is PostgreSQL (set once by `main`): only then is its CPU time read.
pub static POSTGRES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// CPU time (user + system) that the PostgreSQL processes of this machine have spent, seconds: every
/// live `postgres` process, plus what the postmaster has collected from backends that exited. `None`
/// when the run's database is not PostgreSQL or there is no such process to read (a remote one).
pub fn database_cpu_seconds() -> Option<f64> {
    if POSTGRES.get() != Some(&true) {
        return None;
    }
    let mut ticks = 0u64;
    let mut found = false;
    for process in procfs::process::all_processes().ok()?.flatten() {
        let Ok(stat) = process.stat() else { continue };
        if stat.comm == "postgres" {
            found = true;
            let children = u64::try_from(stat.cutime + stat.cstime).unwrap_or_default();
            ticks += stat.utime + stat.stime + children;
        }
    }
    found.then(|| ticks as f64 / procfs::ticks_per_second() as f64)
}
