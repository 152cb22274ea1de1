/**
 * moto's server for the test suites: the module lives with the benchmark, which starts moto too
 * and must not import test code (`engine-task/bench/moto-server.ts`).
 */
export { freePort, pythonToolsBin, startMotoServer, type MotoServer } from '../../engine-task/bench/moto-server.js';
