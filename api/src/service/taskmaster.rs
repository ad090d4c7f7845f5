//! Task Master `tasks.json`: parsing, mapping onto Docket tasks, and writing back out.
