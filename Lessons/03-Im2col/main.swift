print("lesson 03-Im2col: not written yet")
