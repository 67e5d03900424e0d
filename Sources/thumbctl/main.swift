import ArgumentParser

// The service commands arrive with the service issue; until then this reports that plainly.
print("thumbctl: not implemented yet")
