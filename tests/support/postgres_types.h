// PostgresTypes: a PostgreSQL 15 table with a column of every type cutover reads
// (docs/type-mapping.md) and rows of edge values, for the tests that read it
// (postgres_types_test) and the copy and change-stream tests into each target.
#pragma once

#include <string>

namespace cutover::testing {

// The statements (one string, separated by semicolons) that create, in `schema` (which must
// exist and be empty): the enum type `mood`, the domains `posint` (integer > 0) and `price`
// (numeric(8,2)), and the table `types`: `id` integer primary key, a column `c_<type>` of each
// type, and `c_generated`, a stored generated column (which cutover leaves out). Rows: id 1 the
// low edges (minimums, -infinity, NaN, empty values), id 2 the high edges (maximums, infinity,
// BC dates, nested arrays), id 3 ordinary values, id 4 NULL in every column. With
// `with_hstore`, also `c_hstore` (the hstore extension must exist in the database).
inline std::string PostgresTypesSql(const std::string& schema, bool with_hstore) {
  std::string s = schema + ".";
  std::string sql =
      "CREATE TYPE " + s +
      "mood AS ENUM ('sad', 'ok', 'happy');"
      "CREATE DOMAIN " +
      s +
      "posint AS integer CHECK (VALUE > 0);"
      "CREATE DOMAIN " +
      s +
      "price AS numeric(8,2);"
      "CREATE TABLE " +
      s +
      "types ("
      "id integer PRIMARY KEY, c_int2 smallint, c_int4 integer, c_int8 bigint, "
      "c_numeric numeric, c_numeric_ps numeric(10,2), c_money money, c_real real, "
      "c_double double precision, c_text text, c_varchar varchar(10), c_char char(5), "
      "c_bytea bytea, c_bool boolean, c_date date, c_date2 date, c_time time, "
      "c_timetz timetz, c_timestamp timestamp, c_timestamptz timestamptz(3), "
      "c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb, c_int_array integer[], "
      "c_text_array text[], c_mood " +
      s + "mood, c_mood_array " + s +
      "mood[], "
      "c_posint " +
      s + "posint, c_price " + s + "price, c_posint_array " + s +
      "posint[], "
      "c_inet inet, c_cidr cidr, c_macaddr macaddr, c_macaddr8 macaddr8, c_bit bit(3), "
      "c_bit64 bit(64), c_varbit bit varying(8), c_tsvector tsvector, c_int4range int4range, "
      "c_multirange int4multirange, " +
      std::string(with_hstore ? "c_hstore hstore, " : "") +
      "c_generated integer GENERATED ALWAYS AS (id * 2) STORED);"
      "INSERT INTO " +
      s +
      "types VALUES "
      "(1, -32768, -2147483648, -9223372036854775808, 'NaN', -99999999.99, "
      "'-92233720368547758.08', '-Infinity', '5e-324', '', 'a', 'a', '\\x', false, "
      "'-infinity', '4713-01-01 BC', '00:00:00', '00:00:00+15:59', '-infinity', 'infinity', "
      "'-178000000 years', '00000000-0000-0000-0000-000000000000', '{\"b\":1,  \"a\":2}', "
      "'{\"b\":1, \"a\":[1,2]}', '{1,NULL,3}', '{\"a b\",\"c\\\"d\",NULL,\"NULL\"}', 'sad', "
      "'{sad,happy}', 1, 0.01, '{1,2}', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', "
      "'08:00:2b:01:02:03:04:05', '000', "
      "B'0000000000000000000000000000000000000000000000000000000000000000', "
      "'', 'a fat cat', 'empty', '{}'" +
      std::string(with_hstore ? ", ''" : "") +
      "),"
      "(2, 32767, 2147483647, 9223372036854775807, 'Infinity', 99999999.99, "
      "'92233720368547758.07', 'NaN', 'Infinity', 'ünï😀 \t\n\\ \"q\"', '0123456789', "
      "'abcde', '\\x00ff10', true, 'infinity', '5874897-12-31', '24:00:00', "
      "'24:00:00-15:59', '294276-12-31 23:59:59.999999', '2024-01-01 12:00:00.5+05:30', "
      "'1 year 2 mons -3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[]', "
      "'\"\\u00e9\"', '{{1,2},{3,4}}', '{}', 'happy', '{}', 2147483647, 999999.99, '{}', "
      "'::ffff:1.2.3.4', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff', "
      "'111', B'1111111111111111111111111111111111111111111111111111111111111111', "
      "'11111111', 'fat:1A cat:2', '[1,5)', '{[1,2), [5,6)}'" +
      std::string(with_hstore ? ", 'a=>1, \"b c\"=>NULL'" : "") +
      "),"
      "(3, 0, 42, 1, '-123456789012345678901234567890.123456789012345678901234567890', 0.50, "
      "'1.5', '-0', '0.1', 'plain', 'mid', '', '\\xdeadbeef', true, '0044-03-15 BC', "
      "'2024-02-29', '12:34:56.789', '12:00:00.1+05:30', '4713-01-01 00:00:00 BC', "
      "'1000-01-01 00:00:00+00 BC', '00:00:00', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', "
      "'null', '{}', '{}', '{\"\"}', 'ok', '{ok}', 5, 1.00, '{3}', '10.0.0.1', '::/0', "
      "'00:00:00:00:00:00', '00:00:00:00:00:00:00:00', '101', "
      "B'1000000000000000000000000000000000000000000000000000000000000001', '1', '', "
      "'(,)', '{(,)}'" +
      std::string(with_hstore ? ", 'x=>y'" : "") +
      ");"
      "INSERT INTO " +
      s + "types (id) VALUES (4)";  // NULL in every other column
  return sql;
}

}  // namespace cutover::testing
