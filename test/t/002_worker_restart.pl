# A broker worker killed with SIGKILL is restarted and serves again; an
# ERROR inside a request handler does not kill the worker.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

# PostgreSQL treats a shared-memory process killed by a signal as a crash:
# the postmaster reinitializes and restarts everything (its default,
# restart_after_crash = on, which the test framework turns off).
my $node = kp_new_node('restart', conf => ['restart_after_crash = on']);
my ($pid) = kp_worker_pids($node);
ok($pid > 0, "broker worker running as pid $pid");

# Injected fault: the worker answers with an error code and survives.
$node->safe_psql('postgres', 'SELECT kafkapg.debug_fail_next_request(18)');
my $av = kp_api_versions($node);
is($av->{error_code}, -1, 'failed ApiVersions request answered with UNKNOWN_SERVER_ERROR');
$av = kp_api_versions($node);
is($av->{error_code}, 0, 'next request succeeds');
my ($same) = kp_worker_pids($node);
is($same, $pid, 'worker survived the ERROR (same pid)');
ok($node->wait_for_log(qr/ApiVersions v0 request from .* failed: kafkapg: injected fault/),
	'handler failure logged');

# SIGKILL of the worker alone.
kill 'KILL', $pid;
my $newpid = 0;
for (1 .. 300)
{
	my ($p) = eval { kp_worker_pids($node) };
	if (defined $p && $p > 0 && $p != $pid)
	{
		$newpid = $p;
		last;
	}
	select(undef, undef, undef, 0.1);
}
ok($newpid > 0 && $newpid != $pid, "worker restarted as pid $newpid");
ok(kp_wait_broker($node, 60), 'restarted worker serves ApiVersions again');
like(kp_kcat_metadata($node), qr/broker 1 at 127\.0\.0\.1:$node->{kafka_port}/,
	'kcat -L works after the restart');
$node->stop;
done_testing();
