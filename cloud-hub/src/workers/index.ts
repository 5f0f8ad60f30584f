// Detection workers: in-process (leasing from the ledger) or external (MQTT 5 shared subscription).
export { startWorker, stopOnSignals, workerOwner } from './worker-loop.ts';
export type { RunningWorker, WorkerOptions, WorkerStats } from './worker-loop.ts';
export { detectTask, fetchJpeg, finishDetection, runDetector } from './detect-job.ts';
export type {
  DetectDeps,
  DetectOutcome,
  DetectTask,
  Detected,
  Fetched,
  RulesFor,
} from './detect-job.ts';
export { toCloudDetections } from './cloud-detections.ts';
export { startDispatcher } from './dispatcher.ts';
export type { DispatcherOptions, DispatcherStats, RunningDispatcher } from './dispatcher.ts';
export { startMqttWorker } from './mqtt-worker.ts';
export type { MqttWorkerOptions, RunningMqttWorker } from './mqtt-worker.ts';
export { applyResult, decideResult } from './apply-result.ts';
export type { ApplyOutcome, ResultDecision } from './apply-result.ts';
export * from './job-messages.ts';
export { rulesForConfig } from './rules-for.ts';
export { createDetectorControl, decideControl } from './detector-control.ts';
export type {
  ControlDecision,
  DetectorControlHandler,
  DetectorControlOptions,
} from './detector-control.ts';
