// The umbrella module: `import GenLab` brings every GenLab module.
@_exported import Core
@_exported import Datasets
@_exported import Evaluation
@_exported import ImageIO
@_exported import Lab
@_exported import MatMul
@_exported import Convolution
@_exported import TransposedConvolution
@_exported import NN
@_exported import Reparameterization
@_exported import GANLoss
@_exported import DiffusionNoising
@_exported import ArithmeticCoding
@_exported import Autoregressive
@_exported import Models
