import { runOnProcess } from './process-main';

/** The `berth` binary's plain path (`bin/berth.js`): runs the CLI on the process's streams and exits with its code. */
runOnProcess(process.argv.slice(2));
