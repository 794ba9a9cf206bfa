/* civil.h -- calendar arithmetic shared inside the library (parse.c):
 * days since 1970-01-01 from a proleptic Gregorian date and back. */
#ifndef DEALBOOK_CIVIL_H
#define DEALBOOK_CIVIL_H

#include <stdint.h>

int64_t dbki_days_from_civil(int64_t y, int m, int d);
void dbki_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
