/*-------------------------------------------------------------------------
 *
 * alloc.c
 *	  The KpAllocator that hands the server-independent libraries (codec,
 *	  record batches) memory from the current memory context.
 *
 * Memory is zeroed (the codec relies on it) and may exceed 1 GB (huge
 * allocations), since records and responses can be large.  Process-local.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "kafkapg/kafkapg.h"

static void *
alloc_zero(void *ctx, size_t size)
{
	MemoryContext cxt = ctx ? (MemoryContext) ctx : CurrentMemoryContext;

	return MemoryContextAllocExtended(cxt, Max(size, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* Like realloc(3): a NULL ptr is a fresh allocation. */
static void *
realloc_huge(void *ctx, void *ptr, size_t old_size, size_t size)
{
	if (ptr == NULL)
		return alloc_zero(ctx, size);
	return repalloc_huge(ptr, Max(size, 1));
}

/* Allocates in CurrentMemoryContext at the time of each call. */
const KpAllocator *
kp_palloc_allocator(void)
{
	static const KpAllocator a = {alloc_zero, realloc_huge, NULL};

	return &a;
}

/* Allocates in cxt. */
void
kp_palloc_allocator_in(KpAllocator *a, MemoryContext cxt)
{
	a->alloc = alloc_zero;
	a->realloc = realloc_huge;
	a->ctx = cxt;
}
