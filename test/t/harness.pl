# Runs TAP test files and prints "N passed, M failed" counting assertions;
# a file that dies or breaks its plan adds one failure.
use strict;
use warnings;
use TAP::Harness;

my $harness = TAP::Harness->new({ verbosity => 0, timer => 1, color => 0 });
my $agg = eval { $harness->runtests(@ARGV) };
if (!$agg)
{
	# a bail-out ends the run: what ran is lost, count one failure
	print "0 passed, 1 failed\n";
	exit 1;
}
my $passed = scalar($agg->passed);
my $failed = scalar($agg->failed);
for my $file ($agg->descriptions)
{
	my ($parser) = $agg->parsers($file);
	$failed++
	  if ($parser->exit != 0 || $parser->parse_errors) && !$parser->failed;
}
print "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
