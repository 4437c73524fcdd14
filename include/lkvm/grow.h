/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_GROW_H
#define LKVM_GROW_H

#include <stddef.h>

/*
 * Makes the array *@p (of *@cap elements of @elem bytes) hold at least
 * @need elements, doubling from *@cap, or from @first when empty.
 * Returns 0 or -ENOMEM (the array is then unchanged).
 */
int grow_array(void **p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
