/*-------------------------------------------------------------------------
 *
 * shim.h
 *	  Interface of the fuzzing shim (shim.c).
 *
 * IDENTIFICATION
 *	  fuzz/shim.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef KVAM_FUZZ_SHIM_H
#define KVAM_FUZZ_SHIM_H

/* Free everything palloc'd since the last reset. */
extern void KvamShimReset(void);

/* Remember the current stack position as the base for check_stack_depth. */
extern void KvamShimSetStackBase(void);

extern char KvamShimLastMessage[1024];
extern int	KvamShimLastSqlstate;

#endif							/* KVAM_FUZZ_SHIM_H */
