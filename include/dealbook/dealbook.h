/*
 * dealbook/dealbook.h -- the umbrella header of libdealbook.
 */
#ifndef DEALBOOK_H
#define DEALBOOK_H

#define DEALBOOK_VERSION "0.1.0"

#include "dealbook/error.h"
#include "dealbook/parse.h"
#include "dealbook/store.h"
#include "dealbook/record.h"
#include "dealbook/field.h"
#include "dealbook/sheet.h"
#include "dealbook/pipeline.h"
#include "dealbook/audit.h"
#include "dealbook/agent.h"
#include "dealbook/eval.h"
#include "dealbook/evalrun.h"
#include "dealbook/sync.h"
#include "dealbook/roster.h"

#endif
