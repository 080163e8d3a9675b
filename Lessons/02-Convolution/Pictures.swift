// The pictures of lesson 02: feature maps in grey or red/white/blue, the edge panel, and
// outputs of any size side by side on one canvas.
import GenLab

/// Red for +t, white for 0, blue for −t (t in [0, 1]), as in lesson 01.
func diverging(_ t: Float) -> (Float, Float, Float) {
  let fade = 1 - min(abs(t), 1)
  return t >= 0 ? (1, fade, fade) : (fade, fade, 1)
}

/// Signed maps reach full colour at this fraction of their largest |value| (stronger
/// values saturate), so that the weaker edges inside a garment stay visible.
let saturation: Float = 0.5

/// Sets pixel `i` (counted row by row) of colour cell `cell` of `cells` (count×3×H×W) to (red, green, blue).
func paint(_ cells: inout Tensor, cell: Int, pixel i: Int, _ colour: (Float, Float, Float)) {
  let plane = cells.shape[2] * cells.shape[3]
  cells.data[(cell * 3 + 0) * plane + i] = colour.0
  cells.data[(cell * 3 + 1) * plane + i] = colour.1
  cells.data[(cell * 3 + 2) * plane + i] = colour.2
}

/// N×K×H×W feature maps as (N·K)×3×H×W colour cells: kernels that sum to 1 in grey,
/// clamped to [0, 1]; kernels that sum to 0 red/white/blue, full colour at half the
/// largest |value| of that kernel over all images (one scale per column, so the images
/// of a column compare).
func colourize(_ maps: Tensor, kernels: [Kernel]) -> Tensor {
  let (count, kernelCount, height, width) = (maps.shape[0], maps.shape[1], maps.shape[2], maps.shape[3])
  let plane = height * width
  var out = Tensor(zeros: [count * kernelCount, 3, height, width])
  for k in 0..<kernelCount {
    var largest: Float = 0
    for n in 0..<count {
      for i in 0..<plane { largest = max(largest, abs(maps.data[(n * kernelCount + k) * plane + i])) }
    }
    for n in 0..<count {
      let cell = n * kernelCount + k
      for i in 0..<plane {
        let v = maps.data[cell * plane + i]
        let colour = kernels[k].isSigned ? diverging(largest > 0 ? v / (saturation * largest) : 0) : (v, v, v)
        paint(&out, cell: cell, pixel: i, colour)
      }
    }
  }
  return out
}

/// Rows of: input (grey) | gx | gy (red/white/blue, one common scale) | magnitude (grey,
/// black 0 to white), as (4N)×3×H×W cells; full colour and white at `saturation` times
/// the largest value.
func edgePanel(_ images: Tensor, _ gx: Tensor, _ gy: Tensor, _ magnitude: Tensor) -> Tensor {
  let (count, height, width) = (images.shape[0], images.shape[2], images.shape[3])
  let plane = height * width
  let signedScale = saturation * max(gx.map(abs).max(), gy.map(abs).max())
  let magnitudeScale = saturation * magnitude.max()
  var out = Tensor(zeros: [count * 4, 3, height, width])
  for n in 0..<count {
    for i in 0..<plane {
      let m = min(magnitude.data[n * plane + i] / magnitudeScale, 1)
      let colours = [(images.data[n * plane + i], images.data[n * plane + i], images.data[n * plane + i]),
                     diverging(gx.data[n * plane + i] / signedScale),
                     diverging(gy.data[n * plane + i] / signedScale),
                     (m, m, m)]
      for (column, colour) in colours.enumerated() { paint(&out, cell: n * 4 + column, pixel: i, colour) }
    }
  }
  return out
}

/// One grey canvas (1×H×W) with a row per image and, in each row, the outputs (1×h×w,
/// any size) side by side at one pixel per value, 2 pixels of mid-grey between them.
func stripCanvas(_ rows: [[Tensor]]) -> Tensor {
  let gap = 2
  let widths = rows[0].map { $0.shape[2] }
  let rowHeight = rows[0].map { $0.shape[1] }.max()!
  let width = widths.reduce(gap) { $0 + $1 + gap }
  let height = rows.count * (rowHeight + gap) + gap
  var canvas = Tensor(shape: [1, height, width], repeating: 0.5)
  for (r, row) in rows.enumerated() {
    var left = gap
    let top = gap + r * (rowHeight + gap)
    for picture in row {
      let (h, w) = (picture.shape[1], picture.shape[2])
      for y in 0..<h {
        for x in 0..<w { canvas.data[(top + y) * width + left + x] = picture.data[y * w + x] }
      }
      left += w + gap
    }
  }
  return canvas
}
