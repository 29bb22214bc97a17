//! Silero VAD (v5/v6, 16 kHz) implemented natively from `silero_vad_16k.safetensors`.
//!
//! Per 512-sample frame, with the last 64 samples of the previous frame in front:
//! reflect-pad 64 on the right → STFT as a convolution (258 filters of 256 taps, stride 128,
//! 4 time steps) → magnitude of 129 bins → four conv1d + ReLU layers (129→128, 128→64 stride
//! 2, 64→64 stride 2, 64→128) → LSTM cell (128) → ReLU → 1×1 conv → sigmoid.
//! All weights and scratch buffers are sized at load; `process_frame` never allocates.

use std::path::Path;

use crate::dsp::dot;
use crate::limits::{VAD_CONTEXT_SAMPLES, VAD_FRAME_SAMPLES, VAD_LSTM_UNITS};

use super::weights::{ModelFileError, TensorSource, WeightNaming, WeightsFile};

const WINDOW_SAMPLES: usize = VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES;
const REFLECT_PAD_SAMPLES: usize = 64;
const PADDED_SAMPLES: usize = WINDOW_SAMPLES + REFLECT_PAD_SAMPLES;
const FFT_SAMPLES: usize = 256;
const HOP_SAMPLES: usize = 128;
const BINS: usize = FFT_SAMPLES / 2 + 1;
const STEPS: usize = (PADDED_SAMPLES - FFT_SAMPLES) / HOP_SAMPLES + 1;
const GATES: usize = 4 * VAD_LSTM_UNITS;

const _: () = assert!(STEPS == 4);

/// A 1-D convolution layer with its geometry.
struct Conv1d {
    weight: Box<[f32]>,
    bias: Box<[f32]>,
    in_channels: usize,
    out_channels: usize,
    stride: usize,
}

const KERNEL: usize = 3;

impl Conv1d {
    fn load(
        file: &dyn TensorSource,
        naming: WeightNaming,
        layer: usize,
        in_channels: usize,
        out_channels: usize,
        stride: usize,
    ) -> Result<Self, ModelFileError> {
        let prefix = match naming {
            WeightNaming::Safetensors => format!("conv{}", layer + 1),
            WeightNaming::Onnx => format!("model.encoder.{layer}.reparam_conv"),
        };
        Ok(Conv1d {
            weight: file.f32_tensor(
                &format!("{prefix}.weight"),
                &[out_channels, in_channels, KERNEL],
            )?,
            bias: file.f32_tensor(&format!("{prefix}.bias"), &[out_channels])?,
            in_channels,
            out_channels,
            stride,
        })
    }

    fn output_steps(&self, input_steps: usize) -> usize {
        (input_steps + 2 - KERNEL) / self.stride + 1
    }

    /// Kernel 3, padding 1, then ReLU. `input` is channel-major (`in_channels × steps`).
    /// Each output step's receptive field is gathered into `columns` (in-channel-major, the
    /// weights' own layout) so every output value is one contiguous dot product.
    fn forward_relu(
        &self,
        input: &[f32],
        input_steps: usize,
        columns: &mut [f32],
        output: &mut [f32],
    ) -> usize {
        let output_steps = self.output_steps(input_steps);
        let width = self.in_channels * KERNEL;
        for step in 0..output_steps {
            let column = &mut columns[step * width..(step + 1) * width];
            let centre = step * self.stride;
            for in_channel in 0..self.in_channels {
                let row = &input[in_channel * input_steps..][..input_steps];
                for k in 0..KERNEL {
                    // Input index centre + k - 1, zero outside (padding of one each side).
                    column[in_channel * KERNEL + k] = (centre + k)
                        .checked_sub(1)
                        .and_then(|index| row.get(index))
                        .copied()
                        .unwrap_or(0.0);
                }
            }
        }
        for out_channel in 0..self.out_channels {
            let weights = &self.weight[out_channel * width..][..width];
            for step in 0..output_steps {
                let sum = self.bias[out_channel]
                    + dot(weights, &columns[step * width..(step + 1) * width]);
                output[out_channel * output_steps + step] = sum.max(0.0);
            }
        }
        output_steps
    }
}

/// The Silero VAD network with its recurrent state.
pub struct SileroVad {
    stft: Box<[f32]>,
    conv1: Conv1d,
    conv2: Conv1d,
    conv3: Conv1d,
    conv4: Conv1d,
    lstm_input_weight: Box<[f32]>,
    lstm_hidden_weight: Box<[f32]>,
    lstm_bias: Box<[f32]>,
    final_weight: Box<[f32]>,
    final_bias: f32,
    hidden: [f32; VAD_LSTM_UNITS],
    cell: [f32; VAD_LSTM_UNITS],
    context: [f32; VAD_CONTEXT_SAMPLES],
    padded: [f32; PADDED_SAMPLES],
    magnitude: Box<[f32]>,
    scratch_a: Box<[f32]>,
    scratch_b: Box<[f32]>,
    columns: Box<[f32]>,
    gates: [f32; GATES],
}

impl SileroVad {
    /// Loads the network from `silero_vad_16k.safetensors` or the package's ONNX export
    /// (chosen by extension).
    pub fn load(path: &Path) -> Result<Self, ModelFileError> {
        let file = WeightsFile::open(path)?;
        Self::from_source(&file, file.naming())
    }

    /// Builds the network from named tensors.
    pub fn from_source(
        file: &dyn TensorSource,
        naming: WeightNaming,
    ) -> Result<Self, ModelFileError> {
        let (stft, lstm, head) = match naming {
            WeightNaming::Safetensors => ("stft_conv.weight", "lstm_cell", "final_conv"),
            WeightNaming::Onnx => (
                "model.stft.forward_basis_buffer",
                "model.decoder.rnn",
                "model.decoder.decoder.2",
            ),
        };
        let bias_input = file.f32_tensor(&format!("{lstm}.bias_ih"), &[GATES])?;
        let bias_hidden = file.f32_tensor(&format!("{lstm}.bias_hh"), &[GATES])?;
        let lstm_bias: Box<[f32]> = bias_input
            .iter()
            .zip(bias_hidden.iter())
            .map(|(a, b)| a + b)
            .collect();
        let final_bias = file.f32_tensor(&format!("{head}.bias"), &[1])?;
        Ok(SileroVad {
            stft: file.f32_tensor(stft, &[2 * BINS, 1, FFT_SAMPLES])?,
            conv1: Conv1d::load(file, naming, 0, BINS, 128, 1)?,
            conv2: Conv1d::load(file, naming, 1, 128, 64, 2)?,
            conv3: Conv1d::load(file, naming, 2, 64, 64, 2)?,
            conv4: Conv1d::load(file, naming, 3, 64, VAD_LSTM_UNITS, 1)?,
            lstm_input_weight: file
                .f32_tensor(&format!("{lstm}.weight_ih"), &[GATES, VAD_LSTM_UNITS])?,
            lstm_hidden_weight: file
                .f32_tensor(&format!("{lstm}.weight_hh"), &[GATES, VAD_LSTM_UNITS])?,
            lstm_bias,
            final_weight: file.f32_tensor(&format!("{head}.weight"), &[1, VAD_LSTM_UNITS, 1])?,
            final_bias: final_bias[0],
            hidden: [0.0; VAD_LSTM_UNITS],
            cell: [0.0; VAD_LSTM_UNITS],
            context: [0.0; VAD_CONTEXT_SAMPLES],
            padded: [0.0; PADDED_SAMPLES],
            magnitude: vec![0.0; BINS * STEPS].into_boxed_slice(),
            scratch_a: vec![0.0; 128 * STEPS].into_boxed_slice(),
            scratch_b: vec![0.0; 128 * STEPS].into_boxed_slice(),
            columns: vec![0.0; BINS * KERNEL * STEPS].into_boxed_slice(),
            gates: [0.0; GATES],
        })
    }

    /// Clears the recurrent state and context (start of a new stream).
    pub fn reset(&mut self) {
        self.hidden = [0.0; VAD_LSTM_UNITS];
        self.cell = [0.0; VAD_LSTM_UNITS];
        self.context = [0.0; VAD_CONTEXT_SAMPLES];
    }

    /// Speech probability of one 512-sample frame at 16 kHz. Never allocates.
    pub fn process_frame(&mut self, frame: &[f32; VAD_FRAME_SAMPLES]) -> f32 {
        self.padded[..VAD_CONTEXT_SAMPLES].copy_from_slice(&self.context);
        self.padded[VAD_CONTEXT_SAMPLES..WINDOW_SAMPLES].copy_from_slice(frame);
        self.context
            .copy_from_slice(&frame[VAD_FRAME_SAMPLES - VAD_CONTEXT_SAMPLES..]);
        // Reflection without repeating the edge sample: pad[i] = x[n - 2 - i].
        for i in 0..REFLECT_PAD_SAMPLES {
            self.padded[WINDOW_SAMPLES + i] = self.padded[WINDOW_SAMPLES - 2 - i];
        }

        for step in 0..STEPS {
            let window = &self.padded[step * HOP_SAMPLES..][..FFT_SAMPLES];
            for bin in 0..BINS {
                let real = dot(&self.stft[bin * FFT_SAMPLES..][..FFT_SAMPLES], window);
                let imaginary = dot(
                    &self.stft[(bin + BINS) * FFT_SAMPLES..][..FFT_SAMPLES],
                    window,
                );
                self.magnitude[bin * STEPS + step] = (real * real + imaginary * imaginary).sqrt();
            }
        }

        let columns = &mut self.columns;
        let steps = self
            .conv1
            .forward_relu(&self.magnitude, STEPS, columns, &mut self.scratch_a);
        let steps = self
            .conv2
            .forward_relu(&self.scratch_a, steps, columns, &mut self.scratch_b);
        let steps = self
            .conv3
            .forward_relu(&self.scratch_b, steps, columns, &mut self.scratch_a);
        let steps = self
            .conv4
            .forward_relu(&self.scratch_a, steps, columns, &mut self.scratch_b);
        debug_assert_eq!(steps, 1);
        let features = &self.scratch_b[..VAD_LSTM_UNITS];

        for (gate, value) in self.gates.iter_mut().enumerate() {
            *value = self.lstm_bias[gate]
                + dot(
                    &self.lstm_input_weight[gate * VAD_LSTM_UNITS..][..VAD_LSTM_UNITS],
                    features,
                )
                + dot(
                    &self.lstm_hidden_weight[gate * VAD_LSTM_UNITS..][..VAD_LSTM_UNITS],
                    &self.hidden,
                );
        }
        // PyTorch's gate order: input, forget, cell candidate, output.
        let mut logit = self.final_bias;
        for unit in 0..VAD_LSTM_UNITS {
            let input_gate = sigmoid(self.gates[unit]);
            let forget_gate = sigmoid(self.gates[VAD_LSTM_UNITS + unit]);
            let candidate = self.gates[2 * VAD_LSTM_UNITS + unit].tanh();
            let output_gate = sigmoid(self.gates[3 * VAD_LSTM_UNITS + unit]);
            self.cell[unit] = forget_gate * self.cell[unit] + input_gate * candidate;
            self.hidden[unit] = output_gate * self.cell[unit].tanh();
            logit += self.final_weight[unit] * self.hidden[unit].max(0.0);
        }
        sigmoid(logit)
    }
}

#[inline]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
