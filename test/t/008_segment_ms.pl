# Segment roll by age (segment.ms): an append to a segment older than
# segment.ms starts a new segment at the log end offset; records on both
# sides of the roll read back in order, and an empty active segment is
# never rolled.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use KafkaPG::Node;

my $node = kp_new_node('segment_ms');
$node->safe_psql('postgres',
	q{SELECT kafkapg.create_topic('aged', 1, '{"segment.ms": "1000"}')});

is(kp_kcat_produce($node, 'aged', 0, [ 'a:1', 'b:2' ]), 0, 'first records acknowledged');
is(kp_partition_state($node, 'aged', 0)->{segments}, 1, 'one segment after the first appends');
sleep(1.3);
is(kp_kcat_produce($node, 'aged', 0, [ 'c:3' ]), 0, 'record after segment.ms acknowledged');
my $st = kp_partition_state($node, 'aged', 0);
is($st->{segments}, 2, 'an append to a segment older than segment.ms rolled it');
is($st->{high_watermark}, 3, 'offsets continue across the roll');

my $dir = $node->data_dir . '/kafkapg/'
  . $node->safe_psql('postgres', q{SELECT topic_id FROM kafkapg.topics WHERE topic = 'aged'})
  . '/0';
ok(-f "$dir/00000000000000000002.log", 'the new segment is named by its base offset 2');

my @recs = map { join ' ', (split / /)[0 .. 2] } kp_kcat_consume($node, 'aged', 0, 'beginning');
is_deeply(\@recs, [ '0 a 1', '1 b 2', '2 c 3' ], 'records on both sides of the roll, in order');
my @sql = map { join ' ', (split / /)[0 .. 2] } kp_sql_records($node, 'aged', 0, 1);
is_deeply(\@sql, [ '1 b 2', '2 c 3' ], 'kafkapg.read from offset 1 crosses the segment boundary');

$node->stop;
done_testing();
