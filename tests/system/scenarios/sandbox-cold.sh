# The sandbox suite once more with every run booting afresh
# (LKVM_SANDBOX_COLD=1, as --cold): warm and cold runs must behave alike.
export LKVM_SANDBOX_COLD=1
. ./scenarios/sandbox.sh
unset LKVM_SANDBOX_COLD
