// PostGraphile v5 as a performance peer: the amber preset and nothing else (no @graphile/simplify-inflection,
// no V4 compatibility preset), the `public` schema of the bench database, production settings:
// no GraphiQL (Ruru), no watch mode, no explain, no websockets. Run it with NODE_ENV=production
// (Grafast's production mode); the connection, host and port come from the environment.
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const env = (name, fallback) => process.env[name] || fallback;

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    // pg.Pool with pg's default of 10 connections, the same as PostGraphile v4's default pool
    makePgService({
      connectionString: env("PEER5_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/docket_bench"),
      schemas: ["public"],
    }),
  ],
  grafserv: {
    host: env("PEER5_HOST", "127.0.0.1"),
    port: Number(env("PEER5_HTTP_PORT", "5057")),
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
