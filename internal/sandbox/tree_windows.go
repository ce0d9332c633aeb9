//go:build windows

package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// job is a Windows job object: every process the command starts belongs
// to it, whatever it does, and terminating the job ends them all. The
// command starts suspended and runs only once it is in the job, so not
// even its first child can escape. The job is killed when its last handle
// closes (KILL_ON_JOB_CLOSE), so the tree dies with LocalGPT too.
type job struct{ h windows.Handle }

func newTree(cmd *exec.Cmd) (tree, error) {
	h, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(h, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("set up the job object: %w", err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED}
	return &job{h: h}, nil
}

// started puts the suspended process in the job, then lets it run.
func (j *job) started(p *os.Process) error {
	ph, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		return fmt.Errorf("open the command's process: %w", err)
	}
	defer windows.CloseHandle(ph)
	if err := windows.AssignProcessToJobObject(j.h, ph); err != nil {
		return fmt.Errorf("put the command in its job object: %w", err)
	}
	return resume(uint32(p.Pid))
}

// resume resumes the threads of the suspended process pid (one: its
// main thread); Go keeps no handle to it, so they are found by a snapshot.
func resume(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("list the command's threads: %w", err)
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("open the command's thread: %w", err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("resume the command: %w", err)
		}
		resumed++
	}
	if resumed == 0 {
		return errors.New("the command's main thread was not found to resume it")
	}
	return nil
}

func (j *job) kill()    { _ = windows.TerminateJobObject(j.h, 1) }
func (j *job) release() { _ = windows.CloseHandle(j.h) }

// signalOf: Windows processes end with an exit code only.
func signalOf(*os.ProcessState) (syscall.Signal, bool) { return 0, false }
