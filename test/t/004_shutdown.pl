# Clean shutdown: the workers exit on SIGTERM, the port is released, and
# the server starts again with a working broker.  DROP EXTENSION stops
# the listener; CREATE EXTENSION brings it back with a new cluster id.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use KafkaPG::Node;

my $node = kp_new_node('shutdown');
my $id1 = $node->safe_psql('postgres', 'SELECT kafkapg.cluster_id()');
like(kp_kcat_metadata($node), qr/broker 1 at/, 'broker serves before shutdown');

$node->safe_psql('postgres', 'DROP EXTENSION kafkapg');
ok(kp_wait_broker_down($node, 10), 'DROP EXTENSION closes the Kafka listener');
ok($node->wait_for_log(qr/extension dropped, stopped listening/), 'drop logged');
$node->safe_psql('postgres', 'CREATE EXTENSION kafkapg');
ok(kp_wait_broker($node, 10), 'CREATE EXTENSION reopens the listener');
my $id2 = $node->safe_psql('postgres', 'SELECT kafkapg.cluster_id()');
isnt($id2, $id1, 'a re-created extension is a new cluster');

$node->stop('fast');
ok(kp_wait_broker_down($node, 5), 'port closed after fast shutdown');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* exited with exit code [^01]/,
	'no worker crashed during shutdown');
like($log, qr/database system is shut down/, 'server shut down cleanly');

$node->start;
ok(kp_wait_broker($node), 'broker serves again after restart');
is($node->safe_psql('postgres', 'SELECT kafkapg.cluster_id()'), $id2,
	'cluster id persists across restart');
$node->stop;
done_testing();
