// Power supplies of a site and the settings the load model uses.
// Currents inside the model are in milliamps (the schedule's lock_current_ma unit);
// a supply's rated and charger currents are written in amps, as on its label.

/** One lock power supply as stored and edited. */
export interface PowerSupply {
  /** The id openings name in their power_supply column, e.g. "PS-1". */
  supply_id: string;
  location: string;
  /** Output voltage, volts DC. */
  output_voltage: number;
  /** Rated output current, amps. */
  rated_current_a: number;
  /** Capacity of one battery, amp-hours; null = no battery fitted. */
  battery_ah: number | null;
  /** Batteries fitted (strings of battery_voltage cells in series make up the output voltage). */
  battery_count: number;
  /** Voltage of one battery (12 V sealed lead-acid unless written otherwise). */
  battery_voltage: number;
  /** Charger current, amps; null = not given. */
  charger_current_a: number | null;
  /** Standby time the code basis / AHJ requires on battery, hours (0 = none required). */
  standby_hours: number;
  /** True when the fire alarm removes this supply's output (releasing every lock on it). */
  fire_alarm_release: boolean;
  notes: string;
  /** Columns the import did not recognise, kept verbatim (header → value). */
  extras: Record<string, string>;
}

export type SupplyField = Exclude<keyof PowerSupply, 'extras'>;

/** Per-site settings of the load model. */
export interface PowerSettings {
  /** Share of the rated output the load may use (0.8 = 80 %, the usual sizing margin). */
  supplyDerating: number;
  /** Share of the nameplate battery capacity counted as usable (ageing, temperature, end voltage). */
  batteryDerating: number;
  /** A measured lock voltage further than this (percent) from the schedule is a finding. */
  voltageTolerancePct: number;
  /** A measured lock current further than this (percent) from the schedule is a finding. */
  currentTolerancePct: number;
}

export const DEFAULT_POWER_SETTINGS: PowerSettings = {
  supplyDerating: 0.8,
  batteryDerating: 0.8,
  voltageTolerancePct: 10,
  currentTolerancePct: 20,
};

/** A meter reading typed at the door (schedule values compared in core/power/measure.ts). */
export interface PowerMeasurement {
  opening_id: string;
  /** Volts at the lock, null = not measured. */
  voltage: number | null;
  /** Milliamps drawn by the lock, null = not measured. */
  current_ma: number | null;
  at: string;
  technician: string;
  note: string;
}
