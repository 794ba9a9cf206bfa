/*
 * prompt.h -- asking for values on the terminal, one line at a time, and
 * editing a text in the user's editor (like 'git commit').
 */
#ifndef DEALBOOK_PROMPT_H
#define DEALBOOK_PROMPT_H

#define PROMPT_EOF (-1) /* end of input (Ctrl-D) */
#define PROMPT_ERR (-2) /* reading failed or out of memory */

/*
 * Show "question [dflt]: " (or "question: " without a default) on stderr
 * and read one line from stdin, of any length.  Blanks around the answer
 * are dropped.  *out gets a malloc'd string: the answer, or a copy of
 * dflt (or "" when there is none) for an empty answer.  Returns 0,
 * PROMPT_EOF or PROMPT_ERR (*out is then NULL).
 */
int prompt_line(const char *question, const char *dflt, char **out);

/*
 * Write text to a new private temporary file (0600, in $TMPDIR or /tmp),
 * open it in $VISUAL, else $EDITOR, else vi -- run by the shell as
 * '<editor> "$1"' so an editor may carry arguments, as with git -- and
 * read back what the file holds afterwards into *edited (malloc'd).  The
 * file is removed in every case.  Returns 0, or an exit code after
 * printing one line on stderr: 1 when the editor fails or exits non-zero
 * or the file cannot be written or read back, 5 for a NUL byte in it.
 */
int edit_template(const char *text, char **edited);

#endif
