/**
 * GPU model classes and the public hardware figures the challenge parameters are derived from.
 *
 * Every figure is the lowest across the variants a class covers (SXM, PCIe, NVL), so an honest card of the class
 * never gets a deadline meant for a faster variant:
 * - `int8Tops`: dense INT8 tensor throughput (NVIDIA datasheets; the "with sparsity" figures are twice these);
 * - `memoryMiB`: total memory as `nvidia-smi --query-gpu=memory.total` reports it;
 * - `bandwidthGBs`: peak memory bandwidth in GB/s.
 *
 * @example
 * ```ts
 * if (isModelClass(offer.gpuModel)) console.log(GPU_CLASSES[offer.gpuModel].int8Tops);
 * ```
 */

/** A GPU model class a provider can claim. */
export type ModelClass = "H200" | "H100" | "A100" | "L40S" | "RTX4090";

/** Public hardware figures of a model class (see the module comment for their sources). */
export interface GpuClassSpec {
  /** Dense INT8 tensor-core throughput, tera-operations per second (one multiply-add is two operations). */
  readonly int8Tops: number;
  /** Memory in MiB as nvidia-smi reports it. */
  readonly memoryMiB: number;
  /** Peak memory bandwidth, GB/s. */
  readonly bandwidthGBs: number;
}

/** The classes, each at its slowest, smallest variant. */
export const GPU_CLASSES: Readonly<Record<ModelClass, GpuClassSpec>> = {
  // H200 NVL (SXM: 1979 TOPS); 141 GB HBM3e at 4.8 TB/s on both.
  H200: { int8Tops: 1671, memoryMiB: 143_771, bandwidthGBs: 4_800 },
  // H100 PCIe 80 GB (SXM: 1979 TOPS, 3.35 TB/s).
  H100: { int8Tops: 1513, memoryMiB: 81_559, bandwidthGBs: 2_000 },
  // A100 40 GB (80 GB: 81920 MiB, 1.9-2.0 TB/s; same compute).
  A100: { int8Tops: 624, memoryMiB: 40_960, bandwidthGBs: 1_555 },
  L40S: { int8Tops: 733, memoryMiB: 46_068, bandwidthGBs: 864 },
  RTX4090: { int8Tops: 660, memoryMiB: 24_564, bandwidthGBs: 1_008 },
};

/** Whether `value` names a model class. */
export function isModelClass(value: string): value is ModelClass {
  return Object.hasOwn(GPU_CLASSES, value);
}
