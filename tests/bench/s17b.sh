PW="lkvm-pw sandbox -k $L2_KERNEL -c 1 -m 256 -p cryptomgr.notests --seccomp=off"
$PW -- true </dev/null >/dev/null 2>&1
$PW -- true </dev/null >/dev/null 2>&1
$PW -- true </dev/null >/dev/null 2>&1
LKVM_EXP_REC=/tmp/w $PW -- true </dev/null >/dev/null 2>&1
echo "@@BENCH recorded $(wc -l < /tmp/w) pages"
for i in 1 2 3; do
echo "@@BENCH A $($PW --loglevel debug -- true </dev/null 2>&1 >/dev/null | grep -E "KVM counters|touched|exp:" | sed 's/.*counters://; s/.*touched: //; s/ in .*//; s/.*exp: //' | tr '\n' ' ')"
echo "@@BENCH B $(LKVM_EXP_POP=/tmp/w $PW --loglevel debug -- true </dev/null 2>&1 >/dev/null | grep -E "KVM counters|touched|exp:" | sed 's/.*counters://; s/.*touched: //; s/ in .*//; s/.*exp: //' | tr '\n' ' ')"
done
for i in 1 2; do
out=$(timeit 10 env A=1 $PW -- true :: env LKVM_EXP_POP=/tmp/w $PW -- true)
echo "$out" | sed 's/^/@@BENCH true A-B /'
out=$(timeit 10 env A=1 $PW -- cat /proc/cpuinfo :: env LKVM_EXP_POP=/tmp/w $PW -- cat /proc/cpuinfo)
echo "$out" | sed 's/^/@@BENCH cat A-B /'
done
