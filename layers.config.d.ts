/** One layer of the hub (layers.config.js says what each field means). */
export interface Layer {
  name: string;
  path: string | string[];
  file?: boolean;
  uses: string[];
  typesOnly?: string[];
  entrancesOnly?: boolean;
}

export declare const LAYERS: readonly Layer[];

export declare const OPEN_FILES: readonly string[];
