# Sourced by ./cairn, ./run-tests and .ci/run. Sets JAVA_HOME to a JDK 25 or newer, or explains what to install.
# Order: $JAVA_HOME, then the usual install locations, then the `java` on PATH.
cairn_java_major() { # prints the feature version of the java binary given, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1
}
cairn_find_jdk() {
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/java-25* /usr/lib/jvm/jdk-25* \
              /usr/lib/jvm/temurin-2[6-9]* /usr/lib/jvm/*-2[6-9]* /opt/java/openjdk /opt/jdk-25* /usr/local/jdk-25* \
              "$HOME"/.sdkman/candidates/java/25* "$HOME"/.jdks/*25* /Library/Java/JavaVirtualMachines/*25*/Contents/Home; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(cairn_java_major "$cand/bin/java"); [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null || continue
    export JAVA_HOME="$cand"; return 0
  done
  if command -v javac >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(cairn_java_major "$cand/bin/java"); if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME="$cand"; return 0; fi
  fi
  cat >&2 <<'MSG'
cairn: no JDK 25 found. Cairn needs a JDK 25 or newer (with jdk.incubator.vector).
  Looked at: $JAVA_HOME, /usr/lib/jvm/*25*, /opt/java/openjdk, ~/.sdkman, ~/.jdks, and the javac on PATH.
  Install one, for example Eclipse Temurin 25 (https://adoptium.net: package temurin-25-jdk),
  then run again, or point JAVA_HOME at it: JAVA_HOME=/path/to/jdk-25 ./cairn ...
MSG
  return 1
}
cairn_find_maven() {
  if command -v mvn >/dev/null 2>&1; then return 0; fi
  echo "cairn: Apache Maven (mvn) not found. Install it (Debian/Ubuntu: apt-get install maven), then run again." >&2
  return 1
}
