# A topic's files follow its catalog row: delete_topic removes the topic
# directory only when the deletion commits, and directories of topics the
# catalog does not know are removed when the server starts, while the
# files of real topics survive.
use strict;
use warnings;
use File::Path qw(make_path);
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $node = kp_new_node('topic_files');
my $kdir = $node->data_dir . '/kafkapg';

sub lines_for { my ($t, $n) = @_; return [ map { "$t-k$_:$t-v$_" } 0 .. $n - 1 ] }
sub expected { my ($t, $n) = @_; return map { "$_ $t-k$_ $t-v$_" } 0 .. $n - 1 }
sub strip_ts { return map { (my $l = $_) =~ s/ -?\d+$//; $l } @_; }
sub topic_id
{
	return $node->safe_psql('postgres',
		"SELECT topic_id FROM kafkapg.topics WHERE topic = '$_[0]'");
}
# LOG lines since $pos that remove the files of one of @ids.
sub removal_lines
{
	my ($pos, @ids) = @_;
	my $re = join('|', map { quotemeta } @ids);
	return grep { /removing files of .*($re)/ } split /\n/, slurp_file($node->logfile, $pos);
}
sub records_intact
{
	my ($topic, $p, $n, $what) = @_;
	is(kp_partition_state($node, $topic, $p)->{high_watermark}, $n,
		"$what: $topic/$p high watermark $n");
	is_deeply([ strip_ts(kp_kcat_consume($node, $topic, $p)) ], [ expected($topic, $n) ],
		"$what: $topic/$p records intact (kcat)");
	is_deeply([ strip_ts(kp_sql_records($node, $topic, $p)) ], [ expected($topic, $n) ],
		"$what: $topic/$p records intact (SQL)");
}

# Two topics with records (directories are created by the first append).
$node->safe_psql('postgres', q{
	SELECT kafkapg.create_topic('doomed', 2);
	SELECT kafkapg.create_topic('keeper');
});
is(kp_kcat_produce($node, 'doomed', 0, lines_for('doomed', 20)), 0, 'produced to doomed/0');
is(kp_kcat_produce($node, 'doomed', 1, lines_for('doomed', 20)), 0, 'produced to doomed/1');
is(kp_kcat_produce($node, 'keeper', 0, lines_for('keeper', 30)), 0, 'produced to keeper/0');
my $doomed = topic_id('doomed');
my $keeper = topic_id('keeper');
my $ddir = "$kdir/$doomed";
my $kpdir = "$kdir/$keeper";
ok(-f "$ddir/0/00000000000000000000.log" && -f "$ddir/1/00000000000000000000.log",
	'doomed has a segment file per partition');
ok(-f "$kpdir/0/00000000000000000000.log", 'keeper has a segment file');

# Deletion inside an open transaction: nothing changes for anyone else.
my $s = $node->background_psql('postgres');
$s->query_safe('BEGIN');
$s->query_safe(q{SELECT kafkapg.delete_topic('doomed')});
is($s->query_safe(q{SELECT count(*) FROM kafkapg.topics WHERE topic = 'doomed'}), '0',
	'the deleting transaction no longer sees the topic');
ok(-d $ddir, 'directory still exists while the deletion is uncommitted');
is($node->safe_psql('postgres', q{SELECT count(*) FROM kafkapg.topics WHERE topic = 'doomed'}),
	'1', 'other sessions still see the topic');
records_intact('doomed', 0, 20, 'deletion uncommitted');
$s->query_safe('ROLLBACK');
ok(-d $ddir, 'directory remains after ROLLBACK');
is(topic_id('doomed'), $doomed, 'topic kept its id after ROLLBACK');
records_intact('doomed', 1, 20, 'deletion rolled back');

# Deletion in a savepoint that is rolled back, in a transaction that commits.
$s->query_safe('BEGIN');
$s->query_safe('SAVEPOINT a');
$s->query_safe(q{SELECT kafkapg.delete_topic('doomed')});
$s->query_safe('ROLLBACK TO SAVEPOINT a');
$s->query_safe('COMMIT');
ok(-d $ddir, 'directory remains after a rolled-back savepoint');
is(topic_id('doomed'), $doomed, 'topic remains after a rolled-back savepoint');

# Committed deletion: the directory goes at commit, not before.
$s->query_safe('BEGIN');
$s->query_safe(q{SELECT kafkapg.delete_topic('doomed')});
ok(-d $ddir, 'directory exists before COMMIT');
$s->query_safe('COMMIT');
ok(!-e $ddir, 'directory removed by COMMIT');
ok(!-e "$ddir.deleted", 'no <uuid>.deleted left behind');
$s->quit;
is($node->safe_psql('postgres', q{SELECT count(*) FROM kafkapg.partitions WHERE topic = 'doomed'}),
	'0', 'deleted topic has no partitions');
unlike(kp_kcat_metadata($node), qr/topic "doomed"/, 'Metadata no longer lists the topic');
ok(-d $kpdir, 'the other topic keeps its directory');
records_intact('keeper', 0, 30, 'after deleting another topic');

# The name again: a new topic, a new directory.
my $again = $node->safe_psql('postgres', q{SELECT kafkapg.create_topic('doomed')});
isnt($again, $doomed, 're-created topic has a new id');
is(kp_kcat_produce($node, 'doomed', 0, lines_for('doomed', 5)), 0, 'produced to the new doomed/0');
ok(-f "$kdir/$again/0/00000000000000000000.log", 'new topic has its own directory');
ok(!-e $ddir, 'old directory stays gone');
records_intact('doomed', 0, 5, 're-created topic');

# ---------------------------------------------------------------- orphans
# Directories of unknown topics, and leftovers of an interrupted removal,
# are removed at startup; anything that is not a topic directory is kept.
my $orphan = '0badc0de-0000-4000-8000-000000000001';
my $leftover = '0badc0de-0000-4000-8000-000000000002';
$node->stop;
for my $d ("$kdir/$orphan/0", "$kdir/$leftover.deleted/0")
{
	make_path($d);
	append_to_file("$d/00000000000000000000.log", 'x' x 100);
}
make_path("$kdir/not-a-topic");
append_to_file("$kdir/not-a-topic/README", 'keep me');
my $logpos = -s $node->logfile;
$node->start;
ok(kp_wait_broker($node), 'broker serves after the restart');
ok($node->wait_for_log(
		qr/removing files of unknown or deleted topic "[^"]*\Q$orphan\E"/, $logpos),
	'LOG line for the unknown topic directory');
ok($node->wait_for_log(
		qr/removing files of unknown or deleted topic "[^"]*\Q$leftover.deleted\E"/, $logpos),
	'LOG line for the <uuid>.deleted leftover');
ok(!-e "$kdir/$orphan", 'unknown topic directory removed at startup');
ok(!-e "$kdir/$leftover.deleted", '<uuid>.deleted leftover removed at startup');
ok(-f "$kdir/not-a-topic/README", 'a directory not named like a topic is left alone');
ok(-d $kpdir && -d "$kdir/$again", 'real topic directories survive');
is_deeply([ removal_lines($logpos, $keeper, $again) ], [], 'no LOG line about the real topics');
records_intact('keeper', 0, 30, 'after the restart');
records_intact('doomed', 0, 5, 'after the restart');

# ------------------------------------------------------- other databases
# The extension in a database other than kafkapg.database must not take
# the broker's topics away: whether CREATE EXTENSION there is refused or
# its SQL objects work, the topics of kafkapg.database and their files
# stay.
$node->safe_psql('postgres', 'CREATE DATABASE other');
my ($rc, $out, $err) = $node->psql('other', 'CREATE EXTENSION kafkapg');
note("CREATE EXTENSION in another database: rc $rc $err");
if ($rc == 0)
{
	($rc, $out, $err) = $node->psql('other', 'SELECT count(*) FROM kafkapg.partitions');
	note("kafkapg.partitions in another database: rc $rc $out $err");
	($rc, $out, $err) = $node->psql('other', q{SELECT kafkapg.create_topic('elsewhere')});
	note("create_topic in another database: rc $rc $out $err");
}
ok(-d $kpdir && -d "$kdir/$again", 'topic directories survive the other database');
is_deeply([ removal_lines($logpos, $keeper, $again) ], [],
	'no LOG line about removing the real topics');
records_intact('keeper', 0, 30, 'after using the extension in another database');
is(kp_kcat_produce($node, 'keeper', 0, [ 'keeper-k30:keeper-v30' ]), 0,
	'produce to keeper after using the other database');
is(kp_partition_state($node, 'keeper', 0)->{high_watermark}, 31,
	'keeper continues at offset 30');

$node->stop;
done_testing();
