print("lesson 02-Convolution: not written yet")
