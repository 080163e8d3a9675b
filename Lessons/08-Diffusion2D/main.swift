print("lesson 08-Diffusion2D: being written")
