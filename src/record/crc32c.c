/*-------------------------------------------------------------------------
 *
 * crc32c.c
 *	  CRC32C (Castagnoli) of record batches, from PostgreSQL's port layer.
 *
 * The one file of src/record that includes PostgreSQL headers: c.h and
 * port/pg_crc32c.h are frontend-safe, and pg_comp_crc32c resolves to the
 * server's copy in the backend and to libpgport in the unit tests.  This is
 * the same CRC Kafka computes over a batch (java.util.zip.CRC32C): initial
 * value and final XOR all ones, reflected.  Stateless.
 *
 *-------------------------------------------------------------------------
 */
#include "c.h"

#include "port/pg_crc32c.h"

#include "kafkapg/record/batch.h"

uint32_t
kp_crc32c(const void *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return (uint32_t) crc;
}
