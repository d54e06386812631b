import numpy as np
import numpy.typing as npt

def read_words(words: npt.NDArray[np.uint64]) -> int: ...  # const uint64_t[::1]; XOR of all words
