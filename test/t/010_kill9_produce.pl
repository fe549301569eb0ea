# Nothing acknowledged is lost: a librdkafka producer (acks=all, no
# retries) writes numbered records while the postmaster is killed with
# SIGKILL at random moments, ten times.  After every restart each record
# the producer saw acknowledged is in the log exactly once, at the offset
# it was acknowledged with, byte for byte; no number appears twice and the
# offsets have no gap.  One round kills right after a CHECKPOINT.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use KafkaPG::Node;

my $rounds = 10;
my $node = kp_new_node('kill9');
$node->safe_psql('postgres', q{SELECT kafkapg.create_topic('numbers', 1)});
my $producer = "$ENV{KP_BIN}/kp_numbered_producer";
my %acked;    # number => offset

for my $round (1 .. $rounds)
{
	my $first = $round * 1_000_000;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ $producer, "127.0.0.1:$node->{kafka_port}", 'numbers', 0, $first, 2000, 500 ],
		'>', \$out, '2>', \$err);
	# the first acknowledgement, then a random moment of the stream
	for (1 .. 200)
	{
		$h->pump_nb;
		last if $out =~ /\n/;
		sleep(0.05);
	}
	sleep(0.2 + rand(0.8));
	$node->safe_psql('postgres', 'CHECKPOINT') if $round == 5;
	kp_kill9($node);
	$h->finish;
	my $n = 0;
	for my $line (split /\n/, $out)
	{
		my ($num, $off) = split / /, $line;
		$acked{$num} = $off;
		$n++;
	}
	ok($n > 0, "round $round: $n records acknowledged before the SIGKILL");
	ok(kp_restart_after_kill9($node), "round $round: restarted after SIGKILL");
	ok(kp_wait_broker($node), "round $round: broker serves again");

	my %at;
	my %count;
	my $prev = -1;
	my $gaps = 0;
	for my $rec (kp_kcat_consume($node, 'numbers', 0, 'beginning'))
	{
		my ($off, $key, $value) = split / /, $rec;
		$gaps++ if $off != $prev + 1 || $key ne $value;
		$prev = $off;
		$at{$off} = $value;
		$count{$value}++;
	}
	my @lost = grep { ($at{ $acked{$_} } // '') ne $_ } sort keys %acked;
	my @twice = grep { $count{$_} > 1 } keys %count;
	is(scalar(@lost), 0, "round $round: every acknowledged record at its offset")
	  or diag("missing or moved: @lost[0 .. ($#lost < 9 ? $#lost : 9)]");
	is(scalar(@twice), 0, "round $round: no record twice");
	is($gaps, 0, "round $round: offsets consecutive from 0, keys equal values");
}
ok(scalar(keys %acked) > 0, scalar(keys %acked) . ' records acknowledged over all rounds');
$node->stop;
done_testing();
