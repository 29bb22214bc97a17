//! Matrix products `out = x · Wᵀ (+ bias)` with the weight matrix packed once into panels of
//! [`PANEL_ROWS`] rows, depth-major, which is the layout the microkernel streams.
//!
//! Weights are packed at model load; attention's keys and values are repacked per segment
//! into matrices whose capacity was reserved at load, so a product never allocates.

use super::kernel::{
    half_panel_times_vector, int8_panel_times_vector, tile, KernelKind, TileInput, PANEL_ROWS,
    TILE_COLUMNS_MAX,
};
use super::ops::{f16_to_f32, f32_to_f16};

/// Depth (inner dimension) handled per pass, so one panel slice (16 x 256 floats = 16 KiB)
/// stays in the level-1 cache while every input row streams past it.
const DEPTH_BLOCK: usize = 256;

/// A row-major `rows x depth` matrix stored as panels: element `(r, k)` lives at
/// `data[(r / 16) * depth * 16 + k * 16 + r % 16]`; rows past `rows` in the last panel are 0.
///
/// A matrix built with [`PackedMatrix::from_row_major_half`] keeps its values as IEEE half
/// floats instead (`half` holds the bits, `data` is empty): half the memory traffic for the
/// decoder's one-token products, which are bound by memory bandwidth, with every value
/// converted exactly to float32 before it is multiplied.
///
/// [`PackedMatrix::to_int8`] gives the same matrix as signed bytes with one scale per row
/// (symmetric, the row's largest magnitude maps to 127): a quarter of float32's traffic.
#[derive(Clone)]
pub struct PackedMatrix {
    rows: usize,
    depth: usize,
    data: Vec<f32>,
    half: Vec<u16>,
    quantized: Vec<i8>,
    /// One scale per row, padded to whole panels (int8 matrices only).
    row_scales: Vec<f32>,
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
            half: Vec::new(),
            quantized: Vec::new(),
            row_scales: Vec::new(),
        }
    }

    /// Packs a row-major `rows x depth` matrix of values that are exactly representable as
    /// IEEE half floats (weights read from a float16 model), storing them as halves.
    pub fn from_row_major_half(source: &[f32], rows: usize, depth: usize) -> Self {
        Self::from_half_bits(rows, depth, |index| f32_to_f16(source[index]))
    }

    /// Packs a row-major `rows x depth` matrix of IEEE half floats given as bit patterns by
    /// `bits_at(row * depth + k)`, without a float32 copy (the vocabulary projection is
    /// 80 MB in float32, 40 MB in halves).
    pub fn from_half_bits(rows: usize, depth: usize, bits_at: impl Fn(usize) -> u16) -> Self {
        let mut half = vec![0u16; panels_for(rows) * PANEL_ROWS * depth];
        for row in 0..rows {
            let base = (row / PANEL_ROWS) * PANEL_ROWS * depth + row % PANEL_ROWS;
            for k in 0..depth {
                half[base + k * PANEL_ROWS] = bits_at(row * depth + k);
            }
        }
        PackedMatrix {
            rows,
            depth,
            data: Vec::new(),
            half,
            quantized: Vec::new(),
            row_scales: Vec::new(),
        }
    }

    /// Whether the values are stored as half floats.
    pub fn is_half(&self) -> bool {
        !self.half.is_empty()
    }

    /// Whether the values are stored as scaled bytes.
    pub fn is_int8(&self) -> bool {
        !self.quantized.is_empty()
    }

    /// The same matrix quantized to signed bytes, symmetric per row: `value ≈ byte × scale`
    /// with the row's largest magnitude at ±127 (an all-zero row keeps scale 0).
    pub fn to_int8(&self) -> PackedMatrix {
        let panels = panels_for(self.rows);
        let mut row_scales = vec![0.0f32; panels * PANEL_ROWS];
        let mut quantized = vec![0i8; panels * PANEL_ROWS * self.depth];
        let mut row = vec![0.0f32; self.depth];
        for (index, scale) in row_scales.iter_mut().enumerate().take(self.rows) {
            self.copy_row(index, &mut row);
            let largest = row.iter().fold(0.0f32, |acc, value| acc.max(value.abs()));
            if largest == 0.0 {
                continue;
            }
            *scale = largest / 127.0;
            let base = (index / PANEL_ROWS) * PANEL_ROWS * self.depth + index % PANEL_ROWS;
            for (k, value) in row.iter().enumerate() {
                // |value / scale| <= 127 by construction, so the cast cannot saturate.
                quantized[base + k * PANEL_ROWS] = (value / *scale).round() as i8;
            }
        }
        PackedMatrix {
            rows: self.rows,
            depth: self.depth,
            data: Vec::new(),
            half: Vec::new(),
            quantized,
            row_scales,
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
        assert!(
            !self.is_half() && !self.is_int8(),
            "half-float and int8 matrices are built once, not repacked"
        );
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

    /// Becomes a copy of `other` (a float32 matrix) within the capacity reserved at
    /// construction: a plain copy of packed panels, no gathering.
    pub fn copy_from(&mut self, other: &PackedMatrix) {
        assert!(
            !self.is_half() && !self.is_int8() && !other.is_half() && !other.is_int8(),
            "only float32 matrices are copied"
        );
        let used = panels_for(other.rows) * PANEL_ROWS * other.depth;
        assert!(used <= self.data.len(), "packed matrix capacity exceeded");
        self.data[..used].copy_from_slice(&other.data[..used]);
        self.rows = other.rows;
        self.depth = other.depth;
    }

    /// Overwrites the leading block, rows `0..rows` and depths `0..depth`, with
    /// `source[r * row_stride + k * depth_stride]`, leaving the rest of the matrix (and its
    /// shape) as it is: for a matrix whose trailing part is a cached constant.
    pub fn overwrite_leading(
        &mut self,
        source: &[f32],
        rows: usize,
        depth: usize,
        row_stride: usize,
        depth_stride: usize,
    ) {
        assert!(
            !self.is_half() && !self.is_int8() && rows <= self.rows && depth <= self.depth,
            "overwrite_leading: {rows} x {depth} outside the float32 {} x {} matrix",
            self.rows,
            self.depth
        );
        for r in 0..rows {
            let base = (r / PANEL_ROWS) * PANEL_ROWS * self.depth + r % PANEL_ROWS;
            for k in 0..depth {
                self.data[base + k * PANEL_ROWS] = source[r * row_stride + k * depth_stride];
            }
        }
    }

    /// Element `(row, k)`; used to read embedding rows out of the tied output projection.
    pub fn get(&self, row: usize, k: usize) -> f32 {
        let panel = row / PANEL_ROWS;
        let index = panel * PANEL_ROWS * self.depth + k * PANEL_ROWS + row % PANEL_ROWS;
        if self.is_half() {
            f16_to_f32(self.half[index])
        } else if self.is_int8() {
            f32::from(self.quantized[index]) * self.row_scales[row]
        } else {
            self.data[index]
        }
    }

    /// Copies row `row` into `out` (length `depth`).
    pub fn copy_row(&self, row: usize, out: &mut [f32]) {
        let panel = row / PANEL_ROWS;
        let base = panel * PANEL_ROWS * self.depth + row % PANEL_ROWS;
        for (k, slot) in out.iter_mut().enumerate().take(self.depth) {
            *slot = if self.is_half() {
                f16_to_f32(self.half[base + k * PANEL_ROWS])
            } else if self.is_int8() {
                f32::from(self.quantized[base + k * PANEL_ROWS]) * self.row_scales[row]
            } else {
                self.data[base + k * PANEL_ROWS]
            };
        }
    }

    fn half_panel(&self, panel: usize) -> &[u16] {
        &self.half[panel * PANEL_ROWS * self.depth..][..PANEL_ROWS * self.depth]
    }

    fn int8_panel(&self, panel: usize) -> (&[i8], &[f32; PANEL_ROWS]) {
        let bytes = &self.quantized[panel * PANEL_ROWS * self.depth..][..PANEL_ROWS * self.depth];
        let scales = self.row_scales[panel * PANEL_ROWS..][..PANEL_ROWS]
            .try_into()
            .unwrap_or(&[0.0; PANEL_ROWS]);
        (bytes, scales)
    }

    fn panel(&self, panel: usize) -> &[f32] {
        &self.data[panel * PANEL_ROWS * self.depth..][..PANEL_ROWS * self.depth]
    }
}

/// Floating-point operations of one product (for GFLOP/s reports).
pub fn product_flops(tokens: usize, matrix: &PackedMatrix) -> u64 {
    2 * tokens as u64 * matrix.rows() as u64 * matrix.depth() as u64
}

/// Input rows packed per pass: 96 rows x 256 depth = 96 KiB, which stays in the level-2
/// cache while every weight panel streams past it.
const TOKEN_GROUP: usize = 16 * TILE_COLUMNS_MAX;

/// Scratch for packing input rows; one per thread that runs products.
pub struct MatmulScratch {
    packed: Vec<f32>,
}

impl std::fmt::Debug for MatmulScratch {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "MatmulScratch({} floats)", self.packed.len())
    }
}

impl MatmulScratch {
    /// Reserves the packing buffer (96 KiB).
    pub fn new() -> Self {
        MatmulScratch {
            packed: vec![0.0; TOKEN_GROUP * DEPTH_BLOCK],
        }
    }
}

impl Default for MatmulScratch {
    fn default() -> Self {
        Self::new()
    }
}

/// Number of panels in `weights` (the unit a worker pool splits for one-token products).
pub fn panel_count(weights: &PackedMatrix) -> usize {
    panels_for(weights.rows)
}

/// `out[t][o] = sum_k x[t][k] * W[o][k]` (+ `bias[o]`) for `t < tokens` and the rows `o` of
/// the panels in `panel_range` (so a worker pool can split either dimension).
///
/// `x[t][k]` is `x[t * x_stride + k]`, `out[t][o]` is `out[t * out_stride + o - out_row_base]`
/// (a helper thread gets the part of the output starting at its first row). With more
/// than one token, input rows are packed depth-major per tile so the microkernel's
/// broadcasts read consecutive addresses.
#[allow(clippy::too_many_arguments)]
pub fn matmul_part(
    kind: KernelKind,
    x: &[f32],
    tokens: usize,
    x_stride: usize,
    weights: &PackedMatrix,
    bias: Option<&[f32]>,
    out: &mut [f32],
    out_stride: usize,
    out_row_base: usize,
    panel_range: std::ops::Range<usize>,
    scratch: &mut MatmulScratch,
) {
    let depth = weights.depth;
    if tokens == 0 || depth == 0 || panel_range.is_empty() {
        return;
    }
    if weights.is_half() || weights.is_int8() {
        // These products are bound by reading the weights: each panel is read once and
        // applied to every token while it is in cache.
        for panel_index in panel_range.clone() {
            let first_row = panel_index * PANEL_ROWS;
            let rows = (weights.rows - first_row).min(PANEL_ROWS);
            for token in 0..tokens {
                let input = &x[token * x_stride..][..depth];
                let start = token * out_stride + first_row - out_row_base;
                let out = &mut out[start..start + rows];
                if weights.is_int8() {
                    let (panel, scales) = weights.int8_panel(panel_index);
                    int8_panel_times_vector(kind, panel, scales, depth, input, out);
                } else {
                    let panel = weights.half_panel(panel_index);
                    half_panel_times_vector(kind, panel, depth, input, out, false);
                }
            }
        }
        add_bias(
            weights,
            bias,
            tokens,
            out,
            out_stride,
            out_row_base,
            &panel_range,
        );
        return;
    }
    let mut depth_start = 0;
    while depth_start < depth {
        let depth_len = DEPTH_BLOCK.min(depth - depth_start);
        let accumulate = depth_start > 0;
        let mut group_start = 0;
        while group_start < tokens {
            let group_len = TOKEN_GROUP.min(tokens - group_start);
            let pack = group_len > 1;
            if pack {
                let mut tile_start = 0;
                while tile_start < group_len {
                    let columns = TILE_COLUMNS_MAX.min(group_len - tile_start);
                    let base = tile_start * depth_len;
                    for k in 0..depth_len {
                        for column in 0..columns {
                            let token = group_start + tile_start + column;
                            scratch.packed[base + k * columns + column] =
                                x[token * x_stride + depth_start + k];
                        }
                    }
                    tile_start += columns;
                }
            }
            for panel_index in panel_range.clone() {
                let panel = &weights.panel(panel_index)[depth_start * PANEL_ROWS..];
                let first_row = panel_index * PANEL_ROWS;
                let rows = (weights.rows - first_row).min(PANEL_ROWS);
                let mut tile_start = 0;
                while tile_start < group_len {
                    let columns = TILE_COLUMNS_MAX.min(group_len - tile_start);
                    let token = group_start + tile_start;
                    let (source, input): (&[f32], TileInput) = if pack {
                        let input = TileInput {
                            offset: tile_start * depth_len,
                            column_stride: 1,
                            depth_stride: columns,
                        };
                        (&scratch.packed, input)
                    } else {
                        let input = TileInput {
                            offset: token * x_stride + depth_start,
                            column_stride: x_stride,
                            depth_stride: 1,
                        };
                        (x, input)
                    };
                    tile(
                        kind,
                        panel,
                        depth_len,
                        rows,
                        source,
                        input,
                        columns,
                        out,
                        token * out_stride + first_row - out_row_base,
                        out_stride,
                        accumulate,
                    );
                    tile_start += columns;
                }
            }
            group_start += group_len;
        }
        depth_start += depth_len;
    }
    add_bias(
        weights,
        bias,
        tokens,
        out,
        out_stride,
        out_row_base,
        &panel_range,
    );
}

fn add_bias(
    weights: &PackedMatrix,
    bias: Option<&[f32]>,
    tokens: usize,
    out: &mut [f32],
    out_stride: usize,
    out_row_base: usize,
    panel_range: &std::ops::Range<usize>,
) {
    let Some(bias) = bias else { return };
    let first_row = panel_range.start * PANEL_ROWS;
    let end_row = (panel_range.end * PANEL_ROWS).min(weights.rows);
    for token in 0..tokens {
        let start = token * out_stride + first_row - out_row_base;
        let row = &mut out[start..start + (end_row - first_row)];
        for (value, &b) in row.iter_mut().zip(&bias[first_row..end_row]) {
            *value += b;
        }
    }
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
    scratch: &mut MatmulScratch,
) {
    let panels = panel_count(weights);
    matmul_part(
        kind,
        x,
        tokens,
        x_stride,
        weights,
        bias,
        out,
        out_stride,
        0,
        0..panels,
        scratch,
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
    fn a_cached_matrix_with_its_leading_block_overwritten_equals_a_full_repack() {
        // 37 x 5 (rows not a whole number of panels): the first 21 rows come from a new
        // source, the rest from a cached matrix; and the transposed case, depth split.
        let (rows, depth, leading) = (37, 5, 21);
        let cached_source = pseudo_random(rows * depth, 3);
        let mut fresh_source = pseudo_random(rows * depth, 4);
        fresh_source[leading * depth..].copy_from_slice(&cached_source[leading * depth..]);
        for transposed in [false, true] {
            let (shape, strides) = if transposed {
                ((depth, rows), (1, depth))
            } else {
                ((rows, depth), (depth, 1))
            };
            let mut cached = PackedMatrix::with_capacity(shape.0, shape.1);
            cached.repack(&cached_source, shape.0, shape.1, strides.0, strides.1);
            let mut expected = PackedMatrix::with_capacity(shape.0, shape.1);
            expected.repack(&fresh_source, shape.0, shape.1, strides.0, strides.1);
            let mut combined = PackedMatrix::with_capacity(shape.0, shape.1);
            combined.copy_from(&cached);
            let block = if transposed {
                (depth, leading)
            } else {
                (leading, depth)
            };
            combined.overwrite_leading(&fresh_source, block.0, block.1, strides.0, strides.1);
            assert_eq!((combined.rows(), combined.depth()), shape);
            assert_eq!(combined.data, expected.data, "transposed: {transposed}");
        }
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
                matmul(
                    kind,
                    &x,
                    tokens,
                    depth,
                    &packed,
                    None,
                    &mut out,
                    rows,
                    &mut MatmulScratch::new(),
                );
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
        matmul(
            kind,
            &x,
            tokens,
            12,
            &packed,
            Some(&bias),
            &mut out,
            25,
            &mut MatmulScratch::new(),
        );
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
    fn int8_matrices_multiply_their_dequantized_values() {
        for kind in [KernelKind::detect(), KernelKind::Portable] {
            let (rows, depth) = (37, 71);
            let mut w = pseudo_random(rows * depth, 12);
            // One all-zero row and one row with a single large value.
            w[3 * depth..4 * depth].fill(0.0);
            w[5 * depth + 7] = 40.0;
            let x = pseudo_random(3 * depth, 13);
            let bias = pseudo_random(rows, 14);
            let full = PackedMatrix::from_row_major(&w, rows, depth);
            let int8 = full.to_int8();
            assert!(int8.is_int8());
            let mut dequantized = vec![0.0f32; rows * depth];
            for r in 0..rows {
                let largest = w[r * depth..(r + 1) * depth]
                    .iter()
                    .fold(0.0f32, |a, v| a.max(v.abs()));
                for k in 0..depth {
                    let value = int8.get(r, k);
                    // Rounding error is at most half a step of the row's scale.
                    assert!((value - w[r * depth + k]).abs() <= largest / 127.0 * 0.5 + 1e-7);
                    dequantized[r * depth + k] = value;
                }
            }
            let reference = PackedMatrix::from_row_major(&dequantized, rows, depth);
            let mut a = vec![0.0; 3 * rows];
            let mut b = vec![0.0; 3 * rows];
            let mut scratch = MatmulScratch::new();
            for (matrix, out) in [(&reference, &mut a), (&int8, &mut b)] {
                matmul(
                    kind,
                    &x,
                    3,
                    depth,
                    matrix,
                    Some(&bias),
                    out,
                    rows,
                    &mut scratch,
                );
            }
            for (p, q) in a.iter().zip(&b) {
                assert!(
                    (p - q).abs() < 1e-4 * (1.0 + p.abs()),
                    "{kind:?}: {p} vs {q}"
                );
            }
        }
    }

    #[test]
    fn half_matrices_give_the_same_products_as_float_ones() {
        for kind in [KernelKind::detect(), KernelKind::Portable] {
            let (rows, depth) = (37, 70);
            let w: Vec<f32> = pseudo_random(rows * depth, 9)
                .iter()
                .map(|&v| f16_to_f32(f32_to_f16(v)))
                .collect();
            let x = pseudo_random(2 * depth, 10);
            let bias = pseudo_random(rows, 11);
            let full = PackedMatrix::from_row_major(&w, rows, depth);
            let half = PackedMatrix::from_row_major_half(&w, rows, depth);
            assert_eq!(half.get(36, 69), full.get(36, 69));
            let mut a = vec![0.0; 2 * rows];
            let mut b = vec![0.0; 2 * rows];
            let mut scratch = MatmulScratch::new();
            matmul(
                kind,
                &x,
                2,
                depth,
                &full,
                Some(&bias),
                &mut a,
                rows,
                &mut scratch,
            );
            matmul(
                kind,
                &x,
                2,
                depth,
                &half,
                Some(&bias),
                &mut b,
                rows,
                &mut scratch,
            );
            for (p, q) in a.iter().zip(&b) {
                assert!((p - q).abs() < 1e-5, "{kind:?}");
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
