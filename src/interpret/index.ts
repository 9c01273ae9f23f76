// Public surface of interpretation.
export { ClassificationInterpretation, type InterpretationOptions, type TopLosses, type PlotTopLossesOptions } from './classification.js';
export type { ConfusionChartOptions } from '../plot/confusion.js';
