// PostgresSource: a PostgreSQL server as the pipeline's Source (cutover/source.h): the selected
// tables from pg_catalog, P0 from a logical replication slot created with an exported snapshot
// (the copy reads in it), keyset chunk reads, the slot's pgoutput stream as the change stream,
// and the source preflight.
#pragma once

#include <memory>

#include "cutover/source.h"
#include "cutover/spec.h"

namespace cutover::postgres {

// The Source for `spec.source` (kind postgres). `spec` must outlive it. Connects on first use.
std::unique_ptr<Source> OpenPostgresSource(const Spec& spec);

}  // namespace cutover::postgres
