/**
 * LAVA's device pool now, per device type: how many boards can take a job,
 * how many are busy or out of service, and how many jobs wait for one.
 * Pure: what `scheduler.devices.list` and `scheduler.pending_jobs_by_device_type` answered, in; a table, out.
 */
import type { LavaDevice } from '../lava/types.js';

export interface DeviceTypePool {
  deviceType: string;
  devices: number;
  /** Good or Unknown health, not running a job. */
  idle: number;
  /** Reserved for or running a job. */
  busy: number;
  /** Bad, Maintenance, Looping or Retired: cannot take jobs. */
  outOfService: number;
  /** Jobs submitted for the type and waiting for a device. */
  pendingJobs: number;
}

export interface DevicePool {
  types: DeviceTypePool[];
  devices: LavaDevice[];
}

const IN_SERVICE = new Set(['Good', 'Unknown']);

export function summarizeDevicePool(devices: readonly LavaDevice[], pending: Readonly<Record<string, number>>): DevicePool {
  const types = [...new Set([...devices.map((d) => d.type), ...Object.keys(pending)])].sort();
  return {
    types: types.map((deviceType) => {
      const of = devices.filter((d) => d.type === deviceType);
      const inService = of.filter((d) => IN_SERVICE.has(d.health));
      return {
        deviceType,
        devices: of.length,
        idle: inService.filter((d) => d.state === 'Idle').length,
        busy: inService.filter((d) => d.state !== 'Idle').length,
        outOfService: of.length - inService.length,
        pendingJobs: pending[deviceType] ?? 0,
      };
    }),
    devices: [...devices].sort((a, b) => a.type.localeCompare(b.type) || a.hostname.localeCompare(b.hostname)),
  };
}
