//! Matrix products `out = x · Wᵀ (+ bias)` with the weight matrix packed once into panels of
//! [`PANEL_ROWS`] rows, depth-major, which is the layout the microkernel streams.
//!
//! Weights are packed at model load; attention's keys and values are repacked per segment
//! into matrices whose capacity was reserved at load, so a product never allocates.

use super::kernel::{tile, KernelKind, PANEL_ROWS, TILE_COLUMNS_MAX};

/// Depth (inner dimension) handled per pass, so one panel slice (16 x 256 floats = 16 KiB)
/// stays in the level-1 cache while every input row streams past it.
const DEPTH_BLOCK: usize = 256;

/// A row-major `rows x depth` matrix stored as panels: element `(r, k)` lives at
/// `data[(r / 16) * depth * 16 + k * 16 + r % 16]`; rows past `rows` in the last panel are 0.
#[derive(Clone)]
pub struct PackedMatrix {
    rows: usize,
    depth: usize,
    data: Vec<f32>,
}

impl std::fmt::Debug for PackedMatrix {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "PackedMatrix({} x {})", self.rows, self.depth)
    }
}

fn panels_for(rows: usize) -> usize {
    rows.div_ceil(PANEL_ROWS)
}

impl PackedMatrix {
    /// An empty matrix able to hold up to `rows_max x depth_max` without reallocating.
    pub fn with_capacity(rows_max: usize, depth_max: usize) -> Self {
        PackedMatrix {
            rows: 0,
            depth: 0,
            data: vec![0.0; panels_for(rows_max) * PANEL_ROWS * depth_max],
        }
    }

    /// Packs a row-major `rows x depth` matrix.
    pub fn from_row_major(source: &[f32], rows: usize, depth: usize) -> Self {
        let mut matrix = Self::with_capacity(rows, depth);
        matrix.repack(source, rows, depth, depth, 1);
        matrix
    }

    /// Rows (output features) of the matrix.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Depth (input features) of the matrix.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Replaces the contents with the `rows x depth` matrix whose element `(r, k)` is
    /// `source[r * row_stride + k * depth_stride]`. Panics if the capacity reserved by
    /// [`Self::with_capacity`] is too small (a sizing bug, caught by the warm-up).
    pub fn repack(
        &mut self,
        source: &[f32],
        rows: usize,
        depth: usize,
        row_stride: usize,
        depth_stride: usize,
    ) {
        let needed = panels_for(rows) * PANEL_ROWS * depth;
        assert!(needed <= self.data.len(), "packed matrix capacity exceeded");
        self.rows = rows;
        self.depth = depth;
        for panel in 0..panels_for(rows) {
            let panel_data = &mut self.data[panel * PANEL_ROWS * depth..][..PANEL_ROWS * depth];
            let first_row = panel * PANEL_ROWS;
            let rows_here = (rows - first_row).min(PANEL_ROWS);
            for k in 0..depth {
                let slot = &mut panel_data[k * PANEL_ROWS..(k + 1) * PANEL_ROWS];
                for (r, value) in slot.iter_mut().enumerate() {
                    *value = if r < rows_here {
                        source[(first_row + r) * row_stride + k * depth_stride]
                    } else {
                        0.0
                    };
                }
            }
        }
    }

    /// Element `(row, k)`; used to read embedding rows out of the tied output projection.
    pub fn get(&self, row: usize, k: usize) -> f32 {
        let panel = row / PANEL_ROWS;
        self.data[panel * PANEL_ROWS * self.depth + k * PANEL_ROWS + row % PANEL_ROWS]
    }

    /// Copies row `row` into `out` (length `depth`).
    pub fn copy_row(&self, row: usize, out: &mut [f32]) {
        let panel = row / PANEL_ROWS;
        let base = panel * PANEL_ROWS * self.depth + row % PANEL_ROWS;
        for (k, slot) in out.iter_mut().enumerate().take(self.depth) {
            *slot = self.data[base + k * PANEL_ROWS];
        }
    }

    fn panel(&self, panel: usize) -> &[f32] {
        &self.data[panel * PANEL_ROWS * self.depth..][..PANEL_ROWS * self.depth]
    }
}

/// Floating-point operations of one product (for GFLOP/s reports).
pub fn product_flops(tokens: usize, matrix: &PackedMatrix) -> u64 {
    2 * tokens as u64 * matrix.rows() as u64 * matrix.depth() as u64
}

/// `out[t][o] = sum_k x[t][k] * W[o][k]` (+ `bias[o]`) for `t < tokens`, `o < W.rows`,
/// restricted to the panels in `panel_range` (so a worker pool can split the rows).
///
/// `x[t][k]` is `x[t * x_stride + k]`, `out[t][o]` is `out[t * out_stride + o]`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_panels(
    kind: KernelKind,
    x: &[f32],
    tokens: usize,
    x_stride: usize,
    weights: &PackedMatrix,
    bias: Option<&[f32]>,
    out: &mut [f32],
    out_stride: usize,
    panel_range: std::ops::Range<usize>,
) {
    let depth = weights.depth;
    if tokens == 0 || depth == 0 {
        return;
    }
    let mut depth_start = 0;
    while depth_start < depth {
        let depth_len = DEPTH_BLOCK.min(depth - depth_start);
        let accumulate = depth_start > 0;
        for panel_index in panel_range.clone() {
            let panel = &weights.panel(panel_index)[depth_start * PANEL_ROWS..];
            let first_row = panel_index * PANEL_ROWS;
            let rows = (weights.rows - first_row).min(PANEL_ROWS);
            let mut token = 0;
            while token < tokens {
                let columns = TILE_COLUMNS_MAX.min(tokens - token);
                tile(
                    kind,
                    panel,
                    depth_len,
                    rows,
                    x,
                    token * x_stride + depth_start,
                    x_stride,
                    columns,
                    out,
                    token * out_stride + first_row,
                    out_stride,
                    accumulate,
                );
                token += columns;
            }
        }
        depth_start += depth_len;
    }
    if let Some(bias) = bias {
        let first_row = panel_range.start * PANEL_ROWS;
        let end_row = (panel_range.end * PANEL_ROWS).min(weights.rows);
        for token in 0..tokens {
            let row = &mut out[token * out_stride + first_row..token * out_stride + end_row];
            for (value, &b) in row.iter_mut().zip(&bias[first_row..end_row]) {
                *value += b;
            }
        }
    }
}

/// Number of panels in `weights` (the unit a worker pool splits).
pub fn panel_count(weights: &PackedMatrix) -> usize {
    panels_for(weights.rows)
}

/// Single-threaded `out = x · Wᵀ + bias` over all rows.
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    kind: KernelKind,
    x: &[f32],
    tokens: usize,
    x_stride: usize,
    weights: &PackedMatrix,
    bias: Option<&[f32]>,
    out: &mut [f32],
    out_stride: usize,
) {
    let panels = panel_count(weights);
    matmul_panels(
        kind,
        x,
        tokens,
        x_stride,
        weights,
        bias,
        out,
        out_stride,
        0..panels,
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn reference(x: &[f32], tokens: usize, depth: usize, w: &[f32], rows: usize) -> Vec<f32> {
        let mut out = vec![0.0; tokens * rows];
        for t in 0..tokens {
            for o in 0..rows {
                let mut sum = 0.0f64;
                for k in 0..depth {
                    sum += f64::from(x[t * depth + k]) * f64::from(w[o * depth + k]);
                }
                out[t * rows + o] = sum as f32;
            }
        }
        out
    }

    fn pseudo_random(count: usize, seed: u32) -> Vec<f32> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn products_match_a_float64_reference_for_awkward_shapes() {
        for kind in [KernelKind::detect(), KernelKind::Portable] {
            for &(tokens, rows, depth) in &[
                (1, 1, 1),
                (1, 17, 5),
                (7, 33, 300),
                (13, 16, 512),
                (6, 40, 257),
                (2, 8, 3),
            ] {
                let x = pseudo_random(tokens * depth, 1);
                let w = pseudo_random(rows * depth, 2);
                let packed = PackedMatrix::from_row_major(&w, rows, depth);
                let mut out = vec![f32::NAN; tokens * rows];
                matmul(kind, &x, tokens, depth, &packed, None, &mut out, rows);
                let expected = reference(&x, tokens, depth, &w, rows);
                for (got, want) in out.iter().zip(&expected) {
                    assert!(
                        (got - want).abs() < 1e-4,
                        "{kind:?} {tokens}x{rows}x{depth}"
                    );
                }
            }
        }
    }

    #[test]
    fn bias_is_added_and_strides_are_respected() {
        let kind = KernelKind::detect();
        let (tokens, rows, depth) = (3, 20, 9);
        let x = pseudo_random(tokens * 12, 3);
        let w = pseudo_random(rows * depth, 4);
        let bias = pseudo_random(rows, 5);
        let packed = PackedMatrix::from_row_major(&w, rows, depth);
        let mut out = vec![0.0; tokens * 25];
        matmul(kind, &x, tokens, 12, &packed, Some(&bias), &mut out, 25);
        for t in 0..tokens {
            for o in 0..rows {
                let want: f32 = (0..depth)
                    .map(|k| x[t * 12 + k] * w[o * depth + k])
                    .sum::<f32>()
                    + bias[o];
                assert!((out[t * 25 + o] - want).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn repack_reads_transposed_sources_and_rows_come_back() {
        let source: Vec<f32> = (0..6).map(|v| v as f32).collect(); // 2 x 3 row-major
        let mut packed = PackedMatrix::with_capacity(3, 2);
        packed.repack(&source, 3, 2, 1, 3); // its transpose: 3 x 2
        assert_eq!(packed.get(0, 1), 3.0);
        assert_eq!(packed.get(2, 0), 2.0);
        let mut row = [0.0; 2];
        packed.copy_row(1, &mut row);
        assert_eq!(row, [1.0, 4.0]);
    }
}
