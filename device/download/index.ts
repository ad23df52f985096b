/** The downloader [FW-7]: a sans-I/O part download, its window controller and its files. */
export { PartDownload } from './part-download.js';
export type { ChunkOutcome, DownloadProgress, DownloadStats, PartDownloadOptions, WindowRequest } from './part-download.js';
export { WindowController } from './window-controller.js';
export type { ArrivalTiming, WindowLimits, WindowStats } from './window-controller.js';
export { windowForm, rangesFormBytes, bitsFormBytes, MAX_BITS_BYTES, MAX_RANGES_RUNS } from './window-form.js';
export type { WindowForm } from './window-form.js';
export { memoryPartFiles, storagePartFiles } from './part-files.js';
export type { MemoryPartFiles, PartFiles } from './part-files.js';
export { DEFAULT_DOWNLOAD_CONFIG, DOWNLOAD_TUNABLES, resolveDownloadConfig } from './download-config.js';
export type { DownloadConfig, DownloadTunable } from './download-config.js';
