package tools

// credentialDirs are the places under the user's home that hold
// credentials: keys, tokens, keyrings, password stores, browser profiles
// (cookies and saved passwords). Reading them needs approval. Paths use
// the Linux and macOS spellings; entries that do not exist cost nothing.
func credentialDirs() []string {
	return []string{
		// keys and cloud credentials
		".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".kube", ".docker",
		".config/gh", ".config/hub", ".config/op", ".config/rclone", ".oci",
		".netrc", ".git-credentials", ".pgpass", ".my.cnf", ".npmrc", ".pypirc",
		".cargo/credentials", ".cargo/credentials.toml", ".gem/credentials",
		".vault-token", ".terraform.d/credentials.tfrc.json",
		// keyrings and password stores
		".password-store", ".local/share/keyrings", ".gnome2/keyrings", ".local/share/kwalletd",
		"Library/Keychains",
		// browser and mail profiles
		".mozilla", ".thunderbird", ".config/google-chrome", ".config/chromium",
		".config/BraveSoftware", ".config/microsoft-edge", ".config/vivaldi", ".config/opera",
		"snap/firefox", "snap/chromium", ".var/app/org.mozilla.firefox", ".var/app/com.google.Chrome",
		".var/app/org.chromium.Chromium",
		"Library/Application Support/Google/Chrome", "Library/Application Support/Firefox",
		"Library/Application Support/BraveSoftware", "Library/Application Support/Microsoft Edge",
		"Library/Safari", "Library/Cookies",
	}
}

// systemCredentials are machine-wide files with secrets that an
// administrator's account can read.
func systemCredentials() []string {
	return []string{"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/ssh", "/root/.ssh"}
}
