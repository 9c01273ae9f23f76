// The matrices of the single resample, on grid_sample's normalized coordinates ([-1, 1], x along
// the width first). Every matrix maps an output position to the input position it samples from.
// Per-image matrices are packed row-major, 9 numbers per image.

/** A 3 × 3 matrix, row-major. */
export type Mat3 = Float64Array;

export function identity3(): Mat3 {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** The 2 × 3 affine map [[a, b, c], [d, e, f]] completed with the row 0 0 1. */
export function affine3(a: number, b: number, c: number, d: number, e: number, f: number): Mat3 {
  return Float64Array.of(a, b, c, d, e, f, 0, 0, 1);
}

export function matmul3(x: Mat3, y: Mat3): Mat3 {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[i * 3 + j] = x[i * 3]! * y[j]! + x[i * 3 + 1]! * y[3 + j]! + x[i * 3 + 2]! * y[6 + j]!;
    }
  }
  return out;
}

/** Image `i` of n packed matrices. */
export function matAt(packed: Float64Array, i: number): Mat3 {
  return packed.subarray(i * 9, i * 9 + 9);
}

/** Horizontal flip when `sign` is -1 (x → -x), identity when 1. */
export function flipMatrix(sign: number): Mat3 {
  return affine3(sign, 0, 0, 0, 1, 0);
}

// The eight symmetries of the square, indexed like fastai's dihedral k: sign of x, sign of y, and
// whether the axes are swapped.
const DIHEDRAL_XS = [1, -1, 1, -1, -1, 1, 1, -1] as const;
const DIHEDRAL_YS = [1, 1, -1, 1, -1, -1, 1, -1] as const;
const DIHEDRAL_SWAP = [0, 0, 0, 1, 0, 1, 1, 1] as const;

/** One of the eight flips/transposes of the square, k in 0..7 (0 = identity). */
export function dihedralMatrix(k: number): Mat3 {
  const xs = DIHEDRAL_XS[k]!;
  const ys = DIHEDRAL_YS[k]!;
  const swap = DIHEDRAL_SWAP[k]!;
  return affine3(xs * (1 - swap), xs * swap, 0, ys * swap, ys * (1 - swap), 0);
}

/** Rotation by `degrees` (the sampling grid turns, so the picture turns the other way). */
export function rotateMatrix(degrees: number): Mat3 {
  const theta = (degrees * Math.PI) / 180;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return affine3(c, s, 0, -s, c, 0);
}

/**
 * Zoom in by `zoom` (≥ 1 magnifies) around a centre placed at (colPct, rowPct) of the free room,
 * both in [0, 1]: the sampled window shrinks to 1/zoom and slides inside the image.
 */
export function zoomMatrix(zoom: number, colPct: number, rowPct: number): Mat3 {
  const s = 1 / zoom;
  return affine3(s, 0, (1 - s) * (2 * colPct - 1), 0, s, (1 - s) * (2 * rowPct - 1));
}

/**
 * Corrects a matrix built on a square for an h × w image: normalized coordinates stretch the
 * axes differently, so the off-diagonal terms (rotation, transposition) are rescaled.
 */
export function correctAspect(m: Mat3, height: number, width: number): Mat3 {
  const out = Float64Array.from(m);
  out[1] = out[1]! * (height / width);
  out[3] = out[3]! * (width / height);
  return out;
}

/** A window of an image in pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Maps the output grid onto a pixel window of an `height` × `width` image: with alignCorners the
 * output corners land on the centres of the window's corner pixels, without it on its edges.
 */
export function cropMatrix(box: CropBox, height: number, width: number, alignCorners: boolean): Mat3 {
  const [sx, tx] = cropAxis(box.left, box.width, width, alignCorners);
  const [sy, ty] = cropAxis(box.top, box.height, height, alignCorners);
  return affine3(sx, 0, tx, 0, sy, ty);
}

function cropAxis(start: number, length: number, size: number, alignCorners: boolean): [number, number] {
  if (!alignCorners) return [length / size, (2 * start + length) / size - 1];
  // A one-pixel axis has a single normalized position; any scale samples the same pixel.
  if (size === 1) return [1, 0];
  return [(length - 1) / (size - 1), (2 * start + length - 1) / (size - 1) - 1];
}

/**
 * The perspective warp as a 3 × 3 homography on grid coordinates, row-major with the last entry 1
 * (the first 8 numbers are fastai's warp coefficients). The square's corners (±1, ±1) move by the
 * magnitudes `xt` and `yt` (in normalized units); the homography maps the moved corners back onto
 * the square, which is how fastai perturbs the sampling grid.
 */
export function warpHomography(xt: number, yt: number): Mat3 {
  const square: Array<[number, number]> = [
    [-1, -1],
    [-1, 1],
    [1, -1],
    [1, 1],
  ];
  const moved: Array<[number, number]> = [
    [-1 - yt, -1 - xt],
    [-1 + yt, 1 + xt],
    [1 + yt, -1 + xt],
    [1 - yt, 1 - xt],
  ];
  // Unknowns h0..h7 with h8 = 1; each corner pair gives one equation per coordinate.
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [px, py] = square[i]!;
    const [qx, qy] = moved[i]!;
    a.push([qx, qy, 1, 0, 0, 0, -px * qx, -px * qy]);
    b.push(px);
    a.push([0, 0, 0, qx, qy, 1, -py * qx, -py * qy]);
    b.push(py);
  }
  const h = solveLinear(a, b);
  return Float64Array.of(...h, 1);
}

/** Solves a x = b by Gaussian elimination with partial pivoting (small dense systems). */
export function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (m[pivot]![col] === 0) throw new RangeError('singular system');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const rowCol = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[col]! / rowCol[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * rowCol[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * x[c]!;
    x[r] = s / row[r]!;
  }
  return x;
}

/** fastai's logit: the probability is clamped to [1e-7, 1 - 1e-7] first. */
export function logit(p: number): number {
  const x = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  return -Math.log(1 / x - 1);
}
