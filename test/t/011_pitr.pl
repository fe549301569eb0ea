# Backup and PITR: pg_basebackup plus WAL archiving is a complete backup of
# the log; a point-in-time restore ends the log exactly at the recovery
# target, consistent with topics and offsets.
#
# A numbered producer (acks=all) writes to 'stream' while a restore point
# is created; the expectation comes from the original's WAL (pg_walinspect):
# the kafkapg APPEND records of 'stream' before the restore point.  The
# restored segment holds exactly those bytes, the restored log is exactly
# that prefix of the original log, a topic created later does not exist,
# one created before the backup is whole, and new records continue at the
# restored log end.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use KafkaPG::Node;

my $primary = kp_new_node('pitr_primary',
	init => { allows_streaming => 1, has_archiving => 1 });

sub topic_id
{
	my ($node, $topic) = @_;
	return $node->safe_psql('postgres',
		"SELECT topic_id FROM kafkapg.topics WHERE topic = '$topic'");
}

sub slurp_bytes
{
	my ($path) = @_;
	open my $fh, '<:raw', $path or die "open $path: $!";
	local $/;
	my $data = <$fh>;
	close $fh;
	return $data;
}

# --- before the backup: 'before' with records, 'stream' still empty
$primary->safe_psql('postgres', q{SELECT kafkapg.create_topic('before', 2)});
$primary->safe_psql('postgres', q{SELECT kafkapg.create_topic('stream', 1)});
for my $p (0, 1)
{
	is(kp_kcat_produce($primary, 'before', $p, [ map { "b$p-$_:before-$p-$_" } 0 .. 9 ]),
		0, "ten records acknowledged on before/$p");
}
my %before = map { $_ => [ kp_sql_records($primary, 'before', $_) ] } 0, 1;

$primary->backup('base');
my $start_lsn = $primary->safe_psql('postgres', 'SELECT pg_current_wal_lsn()');

# --- the stream, with a restore point in its middle
my $producer = "$ENV{KP_BIN}/kp_numbered_producer";
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ $producer, "127.0.0.1:$primary->{kafka_port}", 'stream', 0, 1_000_000, 3000, 1000 ],
	'>', \$out, '2>', \$err);

# Waits until the producer has printed at least $n acknowledgements.
sub wait_acks
{
	my ($n) = @_;
	for (1 .. 600)
	{
		$h->pump_nb;
		my $got = () = $out =~ /\n/g;
		return $got if $got >= $n;
		sleep(0.05);
	}
	return 0;
}

ok(wait_acks(500), 'producer running: 500 records acknowledged');
my @acked_before_rp = split /\n/, $out;    # acknowledged before the restore point exists
my $rp_lsn = $primary->safe_psql('postgres', q{SELECT pg_create_restore_point('mid')});
my $acked_at_rp = scalar(@acked_before_rp);
ok(wait_acks($acked_at_rp + 500), 'producer kept going after the restore point');

$primary->safe_psql('postgres', q{SELECT kafkapg.create_topic('after', 1)});
is(kp_kcat_produce($primary, 'after', 0, [ map { "a$_:after-$_" } 0 .. 4 ]),
	0, "five records acknowledged on 'after'");
$h->finish;
my @acked = split /\n/, $out;
is(scalar(@acked), 3000, 'the producer saw all 3000 records acknowledged')
  or diag("producer stderr: $err");

my $walfile = $primary->safe_psql('postgres', 'SELECT pg_walfile_name(pg_current_wal_lsn())');
$primary->safe_psql('postgres', 'SELECT pg_switch_wal()');
ok($primary->poll_query_until('postgres',
		"SELECT last_archived_wal >= '$walfile' FROM pg_stat_archiver"),
	"WAL archived up to $walfile");

# --- the expectation, from the original's WAL
my $stream_id = topic_id($primary, 'stream');
my $after_id = topic_id($primary, 'after');
$primary->safe_psql('postgres', 'CREATE EXTENSION pg_walinspect');
my $end_lsn = $primary->safe_psql('postgres', 'SELECT pg_current_wal_flush_lsn()');
my $rp_start = $primary->safe_psql('postgres', qq{
	SELECT start_lsn FROM pg_get_wal_records_info('$start_lsn', '$end_lsn')
	WHERE resource_manager = 'XLOG' AND record_type = 'RESTORE_POINT'
	  AND description LIKE '%mid%'});
ok($rp_start ne '', "restore point 'mid' record at $rp_start (ends at $rp_lsn)");
my @appends;    # [ before the target?, segment, position, length ]
for my $row (split /\n/, $primary->safe_psql('postgres', qq{
	SELECT start_lsn < '$rp_start', description
	FROM pg_get_wal_records_info('$start_lsn', '$end_lsn')
	WHERE resource_manager = 'kafkapg' AND record_type = 'APPEND'
	  AND description LIKE 'topic $stream_id partition 0 %'
	ORDER BY start_lsn}))
{
	my ($before, $desc) = split /\|/, $row;
	$desc =~ /segment (\d+) position (\d+) length (\d+)/ or die "description: $desc";
	push @appends, [ $before eq 't', $1, $2, $3 ];
}
my @pre = grep { $_->[0] } @appends;
my @post = grep { !$_->[0] } @appends;
ok(@pre > 0 && @post > 0,
	scalar(@pre) . ' stream appends before the restore point, ' . scalar(@post) . ' after');
is(scalar(grep { $_->[1] != 0 } @appends), 0, 'the stream stays in segment 0');
my ($expect_size, $contiguous) = (0, 1);
for my $a (@pre)
{
	$contiguous = 0 if $a->[2] != $expect_size;
	$expect_size = $a->[2] + $a->[3];
}
ok($contiguous, 'appends before the restore point are contiguous from position 0');

my $seg_rel = "kafkapg/$stream_id/0/00000000000000000000.log";
my $orig_bytes = slurp_bytes($primary->data_dir . "/$seg_rel");
ok(length($orig_bytes) > $expect_size,
	'original segment (' . length($orig_bytes) . " bytes) goes past the target ($expect_size)");
# log end offset after the last batch before the target: baseOffset + lastOffsetDelta + 1
my $last_pos = $pre[-1][2];
my $expect_end = unpack('q>', substr($orig_bytes, $last_pos, 8))
  + unpack('l>', substr($orig_bytes, $last_pos + 23, 4)) + 1;
my @orig_stream = kp_sql_records($primary, 'stream', 0);
is(scalar(@orig_stream), 3000, 'original stream holds 3000 records');
my @expect_stream = grep { (split / /)[0] < $expect_end } @orig_stream;
is(scalar(@expect_stream), $expect_end, "expected restored log: offsets 0 .. " . ($expect_end - 1));
ok($expect_end >= $acked_at_rp, "target end offset $expect_end covers the $acked_at_rp records acknowledged before the restore point");

# --- restore the backup to the restore point
my $restored = kp_node_from_backup('pitr_restored', $primary, 'base',
	init => { has_restoring => 1, standby => 0 },
	conf => [ "recovery_target_name = 'mid'", "recovery_target_action = 'promote'" ],
	promote => 1);
ok(1, 'restored node promoted at the restore point, broker up');
like(slurp_file($restored->logfile), qr/recovery stopping at restore point "mid"/,
	'recovery stopped at restore point "mid"');

my $rest_path = $restored->data_dir . "/$seg_rel";
is(-s $rest_path, $expect_size, "restored segment is exactly $expect_size bytes");
ok(slurp_bytes($rest_path) eq substr($orig_bytes, 0, $expect_size),
	'restored segment is byte-identical to the original prefix');

my $state = kp_partition_state($restored, 'stream', 0);
is($state->{high_watermark}, $expect_end, "restored high watermark is $expect_end");
is($state->{size_bytes}, $expect_size, "restored partition size is $expect_size");
my @rest_stream = kp_sql_records($restored, 'stream', 0);
is_deeply(\@rest_stream, \@expect_stream,
	'restored log is exactly the prefix of the original log, record by record');
my %rest_values = map { (split / /)[2] => 1 } @rest_stream;
my @lost = grep { !$rest_values{ (split / /)[0] } } @acked_before_rp;
is(scalar(@lost), 0, 'every record acknowledged before the restore point was created is restored');

is($restored->safe_psql('postgres', q{SELECT count(*) FROM kafkapg.topics WHERE topic = 'after'}),
	0, "topic 'after' does not exist on the restored node");
ok(!-e $restored->data_dir . "/kafkapg/$after_id", "no directory for topic 'after'");
is($restored->safe_psql('postgres', q{SELECT partitions FROM kafkapg.topics WHERE topic = 'before'}),
	2, "topic 'before' exists with 2 partitions");
for my $p (0, 1)
{
	is_deeply([ kp_sql_records($restored, 'before', $p) ], $before{$p},
		"before/$p: all ten records restored");
}

# --- the restored node goes on from the restored end
is(kp_kcat_produce($restored, 'stream', 0, [ 'k:again' ]), 0, 'produce on the restored node');
my @next = kp_kcat_consume($restored, 'stream', 0, $expect_end);
like($next[0] // '', qr/^$expect_end k again /, "the new record takes offset $expect_end");
is(scalar(@next), 1, 'nothing after it');
is(kp_partition_state($restored, 'stream', 0)->{high_watermark}, $expect_end + 1,
	'high watermark moved by one');

$restored->stop;
$primary->stop;
done_testing();
