import GANLoss
