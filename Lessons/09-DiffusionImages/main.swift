print("lesson 09-DiffusionImages: being written")
