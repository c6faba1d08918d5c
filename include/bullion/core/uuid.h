// bullion/core/uuid.h — random (version 4) UUIDs for table ids, transaction
// ids and data file names. Thread-safe.
#pragma once

#include <string>

namespace bullion {

// "3b241101-e2bb-4255-8caf-4136c566a962"
std::string make_uuid();

}  // namespace bullion
