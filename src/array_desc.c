#include "array_desc.h"

#include <stdint.h>

bool array_desc_count(const struct array_desc *desc, size_t *count, size_t *bytes)
{
    size_t n = 1;
    for (int i = 0; i < desc->ndim; i++) {
        if (desc->shape[i] != 0 && n > SIZE_MAX / desc->shape[i])
            return false;
        n *= desc->shape[i];
    }
    if (desc->itemsize != 0 && n > SIZE_MAX / desc->itemsize)
        return false;
    *count = n;
    *bytes = n * desc->itemsize;
    return true;
}
