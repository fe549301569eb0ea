# Appends are WAL-logged: after an immediate shutdown (a crash, as for the
# postmaster), segment bytes written after the last checkpoint that never
# reached the file are restored by WAL replay, byte for byte, at the same
# offsets; the log then continues without reusing an offset.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $node = kp_new_node('wal_redo');
$node->safe_psql('postgres', q{SELECT kafkapg.create_topic('redo', 1)});
my $dir = $node->data_dir . '/kafkapg/'
  . $node->safe_psql('postgres', q{SELECT topic_id FROM kafkapg.topics WHERE topic = 'redo'})
  . '/0';
my $seg = "$dir/00000000000000000000.log";
my $start_lsn = $node->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

is(kp_kcat_produce($node, 'redo', 0, [ map { "k$_:before-$_" } 0 .. 9 ], acks => 'all'),
	0, 'ten records acknowledged before the checkpoint');
$node->safe_psql('postgres', 'CHECKPOINT');
my $size_at_checkpoint = -s $seg;
ok($size_at_checkpoint > 0, "segment holds $size_at_checkpoint bytes at the checkpoint");
is(kp_kcat_produce($node, 'redo', 0, [ map { "k$_:after-$_" } 10 .. 29 ], acks => 'all'),
	0, 'twenty records acknowledged (acks=all) after the checkpoint');
my $size_before_crash = -s $seg;
my @want = kp_kcat_consume($node, 'redo', 0, 'beginning');
is(scalar(@want), 30, 'thirty records readable before the crash');

$node->stop('immediate');
# The bytes written after the checkpoint never reached the disk:
truncate($seg, $size_at_checkpoint) or die "truncate: $!";
is(-s $seg, $size_at_checkpoint, 'segment cut back to its size at the checkpoint');
$node->start;
ok(kp_wait_broker($node), 'broker back after recovery');

is(-s $seg, $size_before_crash, 'WAL replay rewrote the segment to its full size');
my @got = kp_kcat_consume($node, 'redo', 0, 'beginning');
is_deeply([ map { join ' ', (split / /)[0 .. 2] } @got ],
	[ map { join ' ', (split / /)[0 .. 2] } @want ],
	'every acknowledged record is back, byte-identical, at its offset');
is(kp_partition_state($node, 'redo', 0)->{high_watermark}, 30, 'high watermark 30');

is(kp_kcat_produce($node, 'redo', 0, [ 'k30:again' ], acks => 'all'), 0, 'produce after recovery');
my @last = kp_kcat_consume($node, 'redo', 0, 30);
like($last[0] // '', qr/^30 k30 again /, 'the next record takes offset 30: no offset reused');

# the records are kafkapg WAL records, visible through pg_walinspect's view of the rmgr
$node->safe_psql('postgres', 'CREATE EXTENSION pg_walinspect');
my $kinds = $node->safe_psql('postgres', qq{
	SELECT string_agg(DISTINCT record_type, ',' ORDER BY record_type)
	FROM pg_get_wal_records_info('$start_lsn', pg_current_wal_lsn())
	WHERE resource_manager = 'kafkapg'});
is($kinds, 'APPEND,SEGMENT', 'pg_walinspect names the kafkapg records');
$node->stop;
done_testing();
