// What a demo run produced, as written to metrics.json and shown by report.html.
import type { FashionPreset } from './presets.js';
import type { StageTiming } from './stages.js';
import type { FitTable } from './table-capture.js';
import type { RunRecord, WalkthroughSettings } from './walkthrough.js';

/** One prediction of the exported model. */
export interface PredictionRecord {
  /** File name, relative to the data folder. */
  file: string;
  actual: string;
  predicted: string;
  /** Probability of the predicted class. */
  probability: number;
}

/** A plot in the run folder. */
export interface PlotRecord {
  /** File name in the run folder. */
  file: string;
  title: string;
  /** One sentence on what it shows. */
  caption: string;
}

/** Everything a run measured; metrics.json holds exactly this. */
export interface DemoSummary {
  /** Bumped when a field changes meaning. */
  formatVersion: 1;
  fasttuneVersion: string;
  createdAt: string;
  /** 'full', 'quick' or 'user data'. */
  mode: string;
  machine: {
    cpus: number;
    threads: number;
    libtorch: string;
    node: string;
    /** 1, 5 and 15 minute load averages when the run started and ended. */
    loadBefore: number[];
    loadAfter: number[];
  };
  data: {
    description: string;
    dir: string;
    classes: string[];
    train: number;
    valid: number;
    imageSize: number;
  };
  pretraining: {
    /** The weights the body started from (a file path, or torchvision's weights name). */
    weights: string;
    /** Set when the demo pretrained the body itself on the source task. */
    source?: {
      classes: string[];
      train: number;
      valid: number;
      /** The network and image side it was pretrained with. */
      arch: string;
      size: number;
      cached: boolean;
      /** Set when the body is another preset's (`--quick` takes the default run's when cached). */
      borrowedFrom?: string;
      errorRate: number;
      seconds: number;
      table: FitTable;
    };
  };
  /** The Fashion-MNIST recipe as run (test/bench/transfer_replica.py reads it); absent with a user's data. */
  recipe?: Pick<FashionPreset, 'size' | 'source' | 'pretrain' | 'target' | 'bs' | 'valBs'> &
    Omit<WalkthroughSettings, 'epochs'> & { arch: string; epochs: number[] };
  transfer: RunRecord;
  /** The control: the same steps from random weights (absent with --no-control). */
  scratch?: RunRecord;
  interpretation?: {
    vocab: string[];
    /** Rows actual, columns predicted. */
    confusion: number[][];
    mostConfused: [actual: string, predicted: string, count: number][];
  };
  exported?: { file: string; bytes: number };
  predictions?: PredictionRecord[];
  plots: PlotRecord[];
  timings: StageTiming[];
  totalSeconds: number;
  /**
   * CPU time of the whole process (user + system). Divided by the cores it estimates the wall time
   * on an idle machine, whatever else the machine was running.
   */
  cpuSeconds: number;
}
