import { startServer } from './serve.js';

/**
 * `npm start`: Probot's server (same environment variables as `probot run`: APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, GHE_HOST, …; the setup wizard without APP_ID) with
 * trustgate's Octokit, whose write scheduling keeps check runs fast and inside GitHub's budget
 * (see octokit.ts and docs/benchmarks.md), and the queue, retries, health endpoints, metrics,
 * redelivery sweeps and clean shutdown of serve.ts.
 */
await startServer();
