// The pictures of lesson 01: examples and mean images of each class, and rows of the
// pixel correlation matrix drawn as images (with the centred matrix its covariance comes from).
import GenLab

// MARK: - The classes

/// The first `perClass` images of each class, class by class: (10·perClass) × 1 × 28 × 28.
func examplesPerClass(_ split: FashionMNIST.Split, perClass: Int) -> Tensor {
  var picked: [Int] = []
  for c in 0..<10 { picked += split.labels.indices.filter { split.labels[$0] == c }.prefix(perClass) }
  return split.images.gather(picked)
}

/// The mean image of each class: 10 × 1 × 28 × 28.
func classMeans(_ split: FashionMNIST.Split) -> Tensor {
  Tensor.stack((0..<10).map { c in
    split.images.gather(split.labels.indices.filter { split.labels[$0] == c }).meanOverFirstAxis()
  })
}

// MARK: - The pixel covariance, drawn

/// Images as rows of a matrix, with each pixel's mean over the images subtracted:
/// N × 1 × 28 × 28 → Xc, N × `dims`.
func centeredMatrix(_ images: Tensor, dims: Int) -> Tensor {
  let matrix = images.reshaped([images.shape[0], dims])
  let pixelMean = matrix.meanOverFirstAxis()
  var centered = matrix
  for i in 0..<matrix.shape[0] {
    for j in 0..<dims { centered.data[i * dims + j] -= pixelMean.data[j] }
  }
  return centered
}

/// Row (r, c) of the correlation matrix ρ_ij = Σ_ij / √(Σ_ii Σ_jj) as a 3×28×28 colour
/// image: red for +1, white for 0, blue for −1, and the pixel itself in black. One image
/// per pixel (r, c) of `pixels`: P × 3 × 28 × 28, from the 784 × 784 covariance Σ.
func correlationMaps(_ covariance: Tensor, pixels: [(Int, Int)]) -> Tensor {
  let dims = covariance.shape[0]
  let maps = pixels.map { (row, column) -> Tensor in
    let i = row * 28 + column
    var map = Tensor(zeros: [3, 28, 28])
    for j in 0..<dims {
      let denominator = (covariance.data[i * dims + i] * covariance.data[j * dims + j]).squareRoot()
      let rho = denominator > 1e-12 ? covariance.data[i * dims + j] / denominator : 0
      let fade = 1 - abs(rho)
      let (red, green, blue): (Float, Float, Float) =
        j == i ? (0, 0, 0) : rho >= 0 ? (1, fade, fade) : (fade, fade, 1)
      map.data[j] = red
      map.data[dims + j] = green
      map.data[2 * dims + j] = blue
    }
    return map
  }
  return Tensor.stack(maps)
}

