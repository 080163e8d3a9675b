print("lesson 04-TransposedConvolution: not written yet")
