// How much work each measurement does: the sizes, and smaller ones for --quick.
export interface Sizes {
  relaySingleBytes: number;
  relayConcurrentCount: number;
  relayConcurrentBytes: number;
  ibbBytes: number;
  messages: number;
  logins: number;
  loginConcurrency: number;
  idleConnections: readonly number[];
  e2eBytes: number;
  uploadSingleBytes: number;
  uploadConcurrentCount: number;
  uploadConcurrentBytes: number;
}

const MiB = 1024 * 1024;

export const FULL_SIZES: Sizes = {
  relaySingleBytes: 1024 * MiB,
  relayConcurrentCount: 100,
  relayConcurrentBytes: 32 * MiB,
  ibbBytes: 64 * MiB,
  messages: 100_000,
  logins: 2_000,
  loginConcurrency: 20,
  idleConnections: [2_000, 10_000],
  e2eBytes: 1024 * MiB,
  uploadSingleBytes: 1024 * MiB,
  uploadConcurrentCount: 100,
  uploadConcurrentBytes: 32 * MiB,
};

export const QUICK_SIZES: Sizes = {
  relaySingleBytes: 256 * MiB,
  relayConcurrentCount: 100,
  relayConcurrentBytes: 4 * MiB,
  ibbBytes: 16 * MiB,
  messages: 20_000,
  logins: 500,
  loginConcurrency: 20,
  idleConnections: [500, 2_000],
  e2eBytes: 128 * MiB,
  uploadSingleBytes: 256 * MiB,
  uploadConcurrentCount: 100,
  uploadConcurrentBytes: 4 * MiB,
};
