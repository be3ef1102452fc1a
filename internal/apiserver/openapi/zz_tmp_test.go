package openapi
import ("testing";"os";"runtime/pprof")
func TestTmpProf(t *testing.T) {
	rs := testResources(t)
	f, _ := os.Create("/tmp/oa.prof")
	pprof.StartCPUProfile(f)
	for i := 0; i < 20; i++ { Build(rs) }
	pprof.StopCPUProfile()
}
