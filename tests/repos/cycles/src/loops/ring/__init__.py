"""Three modules importing each other in a ring."""
